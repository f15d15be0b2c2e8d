//! Source files, byte spans and the map from file ids to text.
//!
//! Every node of every later stage carries a [`Span`]; the [`SourceMap`] turns
//! spans back into file names, lines and columns, and implements
//! `codespan_reporting::files::Files` so diagnostics render at the edge.

use std::ops::Range;
use std::path::{Path, PathBuf};

/// Identifies one file (or standard input) loaded into a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range inside one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// The smallest span covering both (they must be in the same file; if
    /// not, `self` is returned).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Where the lines of a text start: byte offsets to line numbers and back.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The zero-based line holding a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Where a line starts (the text's end past the last line).
    pub fn start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.len)
    }

    /// Where a line ends, before its line break.
    pub fn end(&self, line: usize) -> usize {
        self.starts.get(line + 1).map(|s| s - 1).unwrap_or(self.len)
    }

    pub fn count(&self) -> usize {
        self.starts.len()
    }

    /// A line's text, without its line break.
    pub fn text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        text.get(self.start(line)..self.end(line)).unwrap_or("")
    }
}

/// One loaded file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to users: the path as given, or `-` for stdin.
    pub name: String,
    /// Where it was read from, if it came from the file system.
    pub path: Option<PathBuf>,
    pub text: String,
    lines: LineIndex,
    /// A hash of the name and text: what a finding kept from an earlier
    /// version of a file can be told apart by.
    digest: u64,
}

impl SourceFile {
    pub fn new(name: String, path: Option<PathBuf>, text: String) -> SourceFile {
        let lines = LineIndex::new(&text);
        SourceFile {
            digest: crate::digest::of(&(&name, &text)),
            name,
            path,
            text,
            lines,
        }
    }

    /// A hash of the file's name and text.
    pub fn digest(&self) -> u64 {
        self.digest
    }

    /// Zero-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    /// One-based line and column (column counted in characters).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.lines.start(line);
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    pub fn line_range(&self, line: usize) -> Option<Range<usize>> {
        // a line's range takes its line break; the next line starts there
        (line < self.lines.count()).then(|| self.lines.start(line)..self.lines.start(line + 1))
    }
}

/// All files of one run.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, path: Option<&Path>, text: String) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile::new(
            name.into(),
            path.map(Path::to_path_buf),
            text,
        ));
        id
    }

    /// The file with this path, if one was added.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path.as_deref() == Some(path))
            .map(|i| FileId(i as u32))
    }

    /// Give file `id` a new text (and name), keeping its id.
    pub fn replace(&mut self, id: FileId, name: impl Into<String>, text: String) {
        if let Some(f) = self.files.get_mut(id.0 as usize) {
            let path = f.path.clone();
            *f = SourceFile::new(name.into(), path, text);
        }
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.name.as_str()).unwrap_or("<unknown>")
    }

    pub fn text(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.text.as_str()).unwrap_or("")
    }

    /// The text a span covers ("" if the span is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text(span.file).get(span.range()).unwrap_or("")
    }

    /// One-based (line, column) of the start of a span.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        self.get(span.file)
            .map(|f| f.line_col(span.start as usize))
            .unwrap_or((1, 1))
    }

    /// Where a span starts, for a reader: the file's path as it was read
    /// (its name where it has none), and the one-based line and column.
    pub fn place(&self, span: Span) -> (String, usize, usize) {
        let (line, col) = self.line_col(span);
        let file = self
            .get(span.file)
            .map_or_else(String::new, |f| match &f.path {
                Some(p) => p.display().to_string(),
                None => f.name.clone(),
            });
        (file, line, col)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl<'a> codespan_reporting::files::Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.name.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.text.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.line_index(byte_index))
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let f = self
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        f.line_range(line_index)
            .ok_or(codespan_reporting::files::Error::LineTooLarge {
                given: line_index,
                max: f.lines.count().saturating_sub(1),
            })
    }
}
