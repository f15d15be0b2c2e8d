//! mount, remount, umount and pivot_root rules.
use super::{Ctx, Family};
use crate::syntax::ast::Rule;

pub fn check(_rule: &Rule, _fam: Family, _ctx: &mut Ctx) {}
