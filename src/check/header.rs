//! Profile headers: names, attachments, flags, xattrs.
use super::Ctx;
use crate::syntax::ast::Profile;

pub fn check_profile_header(_p: &Profile, _ctx: &mut Ctx) {}
