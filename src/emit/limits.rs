//! ARM's per-template limits (limits.tsv), checked on the generated files before anything is
//! written: a blueprint bulwark accepts must deploy, so one whose templates would break a
//! limit is refused here with what to do instead.
//!
//! Bicep compiles every module into its parent's JSON (`Microsoft.Resources/deployments`
//! with the module's template inline; Azure/bicep#5890), so ARM's 4 MB template limit
//! applies to main.bicep and all its modules together, and each module call is one resource
//! of main.bicep's 800.

use super::FileSet;
use crate::blueprint::Diagnostic;
use crate::catalog::facts;
use crate::counters::{self, Counter};
use std::collections::{BTreeMap, HashMap};

mod bytes;
use bytes::{leading_spaces, newline_in};
/// Compiled JSON is larger than the Bicep it comes from (`parameters('x')` for `x`,
/// `[format(...)]` for interpolation, a metadata block per module). Without the compiler,
/// the estimate doubles the Bicep text, indentation and comments left out.
const JSON_PER_BICEP_BYTE: u64 = 2;

/// What one template declares, counted as ARM counts it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TemplateCounts {
    pub parameters: u64,
    pub variables: u64,
    pub outputs: u64,
    /// Resources, `existing` ones and module calls included.
    pub resources: u64,
}

impl TemplateCounts {
    /// Top-level declarations start at the beginning of a line in bulwark's printed Bicep.
    pub fn of(text: &str) -> Self {
        TemplateScan::of(text).counts
    }
}

/// Everything the limit checks read in one Bicep text, found in one pass over its lines:
/// the declarations, the estimated JSON size and the modules it calls. Reading each text
/// once matters because the texts are the whole output (megabytes at a few hundred
/// components) and the checks run on every generation.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TemplateScan<'t> {
    pub counts: TemplateCounts,
    /// The text's own estimated compiled size ([`json_bytes_of`]), modules not included.
    pub json_bytes: u64,
    /// The modules it calls, by path relative to its own folder, once per call.
    pub calls: Vec<&'t str>,
}

impl<'t> TemplateScan<'t> {
    /// One pass over the bytes (this reads the whole output, ~40 bytes a line): see
    /// [`lines`] and [`without_indentation`]; a keyword is compared only when a line's first
    /// byte could start one.
    pub fn of(text: &'t str) -> Self {
        counters::add(Counter::TemplateScanBytes, text.len() as u64);
        let mut scan = TemplateScan::default();
        let mut bicep_bytes: u64 = 0;
        for line in lines(text) {
            scan.declaration(line);
            bicep_bytes += json_line_bytes(line);
        }
        scan.json_bytes = bicep_bytes * JSON_PER_BICEP_BYTE;
        scan
    }

    /// Count `line` if it declares something: top-level declarations start at the beginning
    /// of a line in bulwark's printed Bicep, with their keyword followed by a space.
    fn declaration(&mut self, line: &'t str) {
        let bytes = line.as_bytes();
        let is = |keyword: &[u8]| {
            bytes.starts_with(keyword) && bytes.get(keyword.len()).is_none_or(|&b| b == b' ')
        };
        let counts = &mut self.counts;
        match bytes.first() {
            Some(b'p') if is(b"param") => counts.parameters += 1,
            Some(b'v') if is(b"var") => counts.variables += 1,
            Some(b'o') if is(b"output") => counts.outputs += 1,
            Some(b'r') if is(b"resource") => counts.resources += 1,
            Some(b'm') if is(b"module") => {
                counts.resources += 1;
                self.calls.extend(called_module(line));
            }
            _ => {}
        }
    }
}

/// `str::lines` (a line ends at `\n` or `\r\n`), finding each end a word at a time.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(end) = newline_in(rest.as_bytes()) else {
            return Some(std::mem::take(&mut rest));
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        Some(line.strip_suffix('\r').unwrap_or(line))
    })
}

/// `line.trim_start()`: the usual indentation (spaces) skipped eight bytes at a time, only
/// a line going on with other whitespace (tabs, Unicode spaces) left to `trim_start`.
fn without_indentation(line: &str) -> &str {
    let rest = &line[leading_spaces(line.as_bytes())..];
    match rest.as_bytes().first() {
        Some(&byte) if byte.is_ascii_control() || !byte.is_ascii() => rest.trim_start(),
        _ => rest,
    }
}

/// What one line adds to the Bicep bytes of the JSON estimate: comments and indentation
/// are left out.
fn json_line_bytes(line: &str) -> u64 {
    let content = without_indentation(line);
    if content.starts_with("//") {
        0
    } else {
        content.len() as u64 + 1
    }
}

/// The compiled JSON size of one Bicep text, estimated: comments and indentation left out,
/// the rest doubled.
pub fn json_bytes_of(text: &str) -> u64 {
    lines(text).map(json_line_bytes).sum::<u64>() * JSON_PER_BICEP_BYTE
}

/// The module a `module` line calls (`module x './a.bicep' = {`), as written.
fn called_module(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("module ")?;
    let start = rest.find('\'')? + 1;
    let end = start + rest[start..].find('\'')?;
    Some(&rest[start..end])
}

/// `modules/a.bicep` calling `./b.bicep` → `modules/b.bicep`.
fn resolve(from: &str, relative: &str) -> String {
    let folder = from
        .rsplit_once('/')
        .map(|(folder, _)| folder)
        .unwrap_or("");
    let relative = relative.strip_prefix("./").unwrap_or(relative);
    if folder.is_empty() {
        relative.to_string()
    } else {
        format!("{folder}/{relative}")
    }
}

/// What the limit checks have read of a generation's templates, by path: each text scanned
/// at most once and each deployment's size computed at most once, however many templates
/// call it and however many checks ask (the stage split asks again for every module). It
/// trusts that the text at a path does not change while it is kept, and that a path that
/// goes away is [forgotten](TemplateMemo::forget): a generation hands its texts on as it
/// produces them ([`TemplateMemo::read`]), so the checks cover every template the memo
/// holds, whether or not its text is still at hand.
#[derive(Debug, Default)]
pub struct TemplateMemo {
    scans: HashMap<String, Scanned>,
    deployment_bytes: HashMap<String, u64>,
    /// The last check's diagnostics, while no template has been read or forgotten since:
    /// a second check of the same templates (`generate`'s final one, when emit did not
    /// split main.bicep) repeats nothing.
    checked: Option<Vec<Diagnostic>>,
}

/// A template's [`TemplateScan`], its calls resolved to the paths of the files they call:
/// what [`TemplateMemo`] keeps of it. Owned, so it can be made where the text is printed (on
/// a worker thread) and [recorded](TemplateMemo::record) where the text is handed on.
#[derive(Debug)]
pub struct Scanned {
    counts: TemplateCounts,
    json_bytes: u64,
    modules: Vec<String>,
}

impl Scanned {
    /// Scan the template `text` at `path`.
    pub fn of(path: &str, text: &str) -> Self {
        let scan = TemplateScan::of(text);
        Scanned {
            counts: scan.counts,
            json_bytes: scan.json_bytes,
            modules: scan.calls.iter().map(|call| resolve(path, call)).collect(),
        }
    }
}

impl TemplateMemo {
    /// The scan of the file at `path` in `files` (`None` when there is no such file).
    fn scan(&mut self, path: &str, files: &BTreeMap<String, String>) -> Option<&Scanned> {
        if !self.scans.contains_key(path) {
            self.read(path, files.get(path)?);
        }
        self.scans.get(path)
    }

    /// Read the template `text` at `path` (unless it was read already), so the checks know
    /// it once the text itself is gone: a generation calls this for each template it hands
    /// on to be written.
    pub fn read(&mut self, path: &str, text: &str) {
        if !self.scans.contains_key(path) {
            self.record(path, Scanned::of(path, text));
        }
    }

    /// Keep `scanned`, the scan of the template at `path` made elsewhere (unless that path
    /// was read already): the component modules are scanned on the threads that print them.
    pub fn record(&mut self, path: &str, scanned: Scanned) {
        if self.scans.contains_key(path) {
            return;
        }
        self.scans.insert(path.to_string(), scanned);
        self.checked = None;
    }

    /// Let go of what was read at `path`, whose text is about to change (or go). Only a
    /// stage template's text changes, and no template calls one, so no other size includes it.
    pub fn forget(&mut self, path: &str) {
        self.scans.remove(path);
        self.deployment_bytes.remove(path);
        self.checked = None;
    }

    /// Every template read and not forgotten, in path order.
    fn paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self.scans.keys().map(String::as_str).collect();
        paths.sort_unstable();
        paths
    }

    /// The estimated compiled size of the deployment whose template is `path`: its own text
    /// and, inlined, every module it calls, once per call (0 when there is no such file).
    pub fn deployment_json_bytes(&mut self, path: &str, files: &BTreeMap<String, String>) -> u64 {
        if let Some(&bytes) = self.deployment_bytes.get(path) {
            return bytes;
        }
        let Some(scan) = self.scan(path, files) else {
            return 0;
        };
        let own = scan.json_bytes;
        let modules = scan.modules.clone();
        let bytes = own
            + modules
                .iter()
                .map(|module| self.deployment_json_bytes(module, files))
                .sum::<u64>();
        self.deployment_bytes.insert(path.to_string(), bytes);
        bytes
    }
}

/// The deployment sizes of a file set's templates, through a memo that may already hold
/// them (what the stage split reads).
pub struct DeploymentSizes<'a> {
    texts: &'a BTreeMap<String, String>,
    memo: &'a mut TemplateMemo,
}

impl<'a> DeploymentSizes<'a> {
    pub fn new(texts: &'a BTreeMap<String, String>, memo: &'a mut TemplateMemo) -> Self {
        DeploymentSizes { texts, memo }
    }

    /// [`deployment_json_bytes`], each template read once however often asked.
    pub fn json_bytes(&mut self, path: &str) -> u64 {
        self.memo.deployment_json_bytes(path, self.texts)
    }
}

/// The `.bicep` files' paths, in path order.
fn bicep_paths(files: &BTreeMap<String, String>) -> impl Iterator<Item = &str> {
    files
        .keys()
        .map(String::as_str)
        .filter(|path| path.ends_with(".bicep"))
}

/// The templates a check covers: those of `files` and those `memo` read (whose texts may
/// have been handed on already), in path order.
fn template_paths(files: &BTreeMap<String, String>, memo: &TemplateMemo) -> Vec<String> {
    let mut paths: Vec<String> = memo.paths().into_iter().map(str::to_string).collect();
    paths.extend(
        bicep_paths(files)
            .filter(|path| !memo.scans.contains_key(*path))
            .map(str::to_string),
    );
    paths.sort_unstable();
    paths
}

/// The estimated compiled size of the deployment whose template is `path`: its own text and,
/// inlined, every module it calls, once per call.
pub fn deployment_json_bytes(path: &str, files: &BTreeMap<String, String>) -> u64 {
    TemplateMemo::default().deployment_json_bytes(path, files)
}

/// Each deployment (main.bicep and the stages after it) with its estimated compiled size.
pub fn estimated_deployments(files: &FileSet) -> Vec<(String, u64)> {
    estimated_deployments_in(&files.files, &mut TemplateMemo::default())
}

fn estimated_deployments_in(
    files: &BTreeMap<String, String>,
    memo: &mut TemplateMemo,
) -> Vec<(String, u64)> {
    let paths = template_paths(files, memo);
    super::split::stage_templates(paths.iter().map(String::as_str))
        .into_iter()
        .map(|template| {
            let bytes = memo.deployment_json_bytes(&template, files);
            (template, bytes)
        })
        .collect()
}

/// The deployments one run writes into the resource group's history: each stage's template
/// and every module call, nested ones included (each is a `Microsoft.Resources/deployments`).
pub fn deployments_per_run(files: &FileSet) -> usize {
    deployments_per_run_in(&files.files, &mut TemplateMemo::default())
}

fn deployments_per_run_in(files: &BTreeMap<String, String>, memo: &mut TemplateMemo) -> usize {
    let paths = template_paths(files, memo);
    let calls: usize = paths
        .iter()
        .map(|path| memo.scan(path, files).map_or(0, |scan| scan.modules.len()))
        .sum();
    super::split::stage_templates(paths.iter().map(String::as_str)).len() + calls
}

fn arm_limit(name: &str) -> u64 {
    facts::limit("ARM template", name)
        .unwrap_or_else(|| panic!("bulwark bug: limits.tsv has no ARM template limit `{name}`"))
}

/// The limits the generated templates would break, as diagnostics.
pub fn check(files: &FileSet) -> Vec<Diagnostic> {
    check_with_memo(&files.files, &mut TemplateMemo::default())
}

/// [`check`] and [`deployments_per_run`] together, reading each text once for both.
pub fn check_and_count_deployments(files: &FileSet) -> (Vec<Diagnostic>, usize) {
    check_and_count_deployments_with(files, &mut TemplateMemo::default())
}

/// [`check_and_count_deployments`] through a memo that may already hold what an earlier
/// check read of the same texts (emit's, before it split main.bicep): only the rest is read.
fn check_and_count_deployments_with(
    files: &FileSet,
    memo: &mut TemplateMemo,
) -> (Vec<Diagnostic>, usize) {
    let diagnostics = check_with_memo(&files.files, memo);
    (diagnostics, deployments_per_run_in(&files.files, memo))
}

/// [`check_and_count_deployments`] of the templates `memo` read as a generation handed
/// them on ([`TemplateMemo::read`]): no text is needed, and none is read again.
pub fn check_and_count_read(memo: &mut TemplateMemo) -> (Vec<Diagnostic>, usize) {
    check_and_count_deployments_with(&FileSet::default(), memo)
}

/// [`check`] of `files` and of what `memo` read of templates handed on already, keeping
/// what it read in `memo` for the stage split to reuse. Asked again with nothing new read
/// (or forgotten) since, it answers from the memo without checking again.
pub fn check_with_memo(
    files: &BTreeMap<String, String>,
    memo: &mut TemplateMemo,
) -> Vec<Diagnostic> {
    for path in bicep_paths(files) {
        memo.scan(path, files);
    }
    if let Some(diagnostics) = &memo.checked {
        return diagnostics.clone();
    }
    counters::add(Counter::TemplateLimitChecks, 1);
    let diagnostics = check_read(memo);
    memo.checked = Some(diagnostics.clone());
    diagnostics
}

/// The limits the templates `memo` read break (see [`check_with_memo`]).
fn check_read(memo: &mut TemplateMemo) -> Vec<Diagnostic> {
    let files = &BTreeMap::new();
    let split_help = "split the application into two blueprints (for example shared data services and the apps that use them), each deployed on its own: bulwark splits a deployment into stages (main.bicep, main-2.bicep, …) where it can, and could not split this one";
    let limits = [
        ("parameters", arm_limit("parameters")),
        ("variables", arm_limit("variables")),
        ("outputs", arm_limit("outputs")),
        (
            "resources and module calls",
            arm_limit("resources (including copy count)"),
        ),
    ];
    let mut diagnostics = Vec::new();
    let paths = template_paths(files, memo);
    for path in &paths {
        let Some(scan) = memo.scan(path, files) else {
            continue;
        };
        let counts = scan.counts;
        let declared = [
            counts.parameters,
            counts.variables,
            counts.outputs,
            counts.resources,
        ];
        for ((what, limit), count) in limits.into_iter().zip(declared) {
            if count > limit {
                diagnostics.push(
                    Diagnostic::error(
                        "template-too-large",
                        format!("{path} would declare {count} {what}; ARM accepts {limit} in one template"),
                    )
                    .at("components")
                    .expected(format!("at most {limit} {what} per template"))
                    .help(split_help),
                );
            }
        }
    }
    let megabytes = arm_limit("template size");
    for (template, estimate) in estimated_deployments_in(files, memo) {
        if estimate > megabytes * 1024 * 1024 {
            diagnostics.push(
                Diagnostic::error(
                    "template-too-large",
                    format!(
                        "the deployment of {template} would compile to about {:.1} MB of ARM JSON; ARM accepts {megabytes} MB in one deployment, modules included",
                        estimate as f64 / (1024.0 * 1024.0)
                    ),
                )
                .at("components")
                .expected(format!("a deployment under {megabytes} MB"))
                .help(split_help),
            );
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_top_level_declarations_only() {
        let text = "param a string\nparam b int\nvar c = 1\nresource d 'x@1' = {\n  name: 'param'\n}\nmodule e 'e.bicep' = {}\noutput f string = 'g'\n";
        assert_eq!(
            TemplateCounts::of(text),
            TemplateCounts {
                parameters: 2,
                variables: 1,
                outputs: 1,
                resources: 2,
            }
        );
    }

    /// main.bicep and a second stage calling a shared module, which calls a nested one.
    fn staged_files() -> FileSet {
        let mut files = FileSet::default();
        let call = |symbol: &str, path: &str| {
            format!("module {symbol} '{path}' = {{\n  name: '{symbol}'\n}}\n")
        };
        files.files.insert(
            "main.bicep".into(),
            format!(
                "param a string\n// why\n{}{}",
                call("x", "modules/x.bicep"),
                call("y", "modules/x.bicep")
            ),
        );
        files
            .files
            .insert("main-2.bicep".into(), call("z", "modules/x.bicep"));
        files.files.insert(
            "modules/x.bicep".into(),
            format!(
                "  // indented comment\nresource r 'a@1' = {{}}\n{}",
                call("n", "./nested.bicep")
            ),
        );
        files.files.insert(
            "modules/nested.bicep".into(),
            "output o string = 'o'\n".into(),
        );
        files
            .files
            .insert("main.dev.bicepparam".into(), "using 'main.bicep'\n".into());
        files
    }

    #[test]
    fn one_scan_gives_what_the_separate_readings_gave() {
        for text in staged_files().files.values() {
            let scan = TemplateScan::of(text);
            assert_eq!(scan.json_bytes, json_bytes_of(text));
            let calls: Vec<&str> = text.lines().filter_map(called_module).collect();
            assert_eq!(scan.calls, calls);
        }
        let files = staged_files();
        let nested = json_bytes_of(&files.files["modules/nested.bicep"]);
        let module = json_bytes_of(&files.files["modules/x.bicep"]) + nested;
        assert_eq!(
            deployment_json_bytes("main.bicep", &files.files),
            json_bytes_of(&files.files["main.bicep"]) + 2 * module
        );
        assert_eq!(deployments_per_run(&files), 2 + 3 + 1);
    }

    #[test]
    fn each_text_is_read_once_per_check() {
        let files = staged_files();
        let bicep_bytes: u64 = files
            .files
            .iter()
            .filter(|(path, _)| path.ends_with(".bicep"))
            .map(|(_, text)| text.len() as u64)
            .sum();
        crate::counters::reset();
        let (diagnostics, deployments) = check_and_count_deployments(&files);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(deployments, 6);
        if crate::counters::ENABLED {
            // The module called three times and the stages' sizes add nothing: one read each.
            assert_eq!(
                crate::counters::get(Counter::TemplateScanBytes),
                bicep_bytes
            );
        }
    }

    #[test]
    fn the_split_reuses_what_the_check_read() {
        let files = staged_files();
        let mut memo = TemplateMemo::default();
        assert!(check_with_memo(&files.files, &mut memo).is_empty());
        crate::counters::reset();
        let mut sizes = DeploymentSizes::new(&files.files, &mut memo);
        for _ in 0..3 {
            assert_eq!(
                sizes.json_bytes("modules/x.bicep"),
                deployment_json_bytes("modules/x.bicep", &files.files)
            );
        }
        // Only the fresh computations beside it read the texts: x.bicep and nested.bicep.
        let fresh = (files.files["modules/x.bicep"].len()
            + files.files["modules/nested.bicep"].len()) as u64;
        assert_eq!(
            crate::counters::get(Counter::TemplateScanBytes),
            if crate::counters::ENABLED {
                3 * fresh
            } else {
                0
            }
        );
    }

    /// A check asked again with nothing read since answers from the memo; reading a new
    /// template, or forgetting one, makes the next check compute again.
    #[test]
    fn a_check_is_computed_again_only_when_the_templates_change() {
        let files = staged_files();
        let mut memo = TemplateMemo::default();
        crate::counters::reset();
        let first = check_with_memo(&files.files, &mut memo);
        assert_eq!(check_and_count_read(&mut memo), (first.clone(), 6));
        let checks = |count: u64| if crate::counters::ENABLED { count } else { 0 };
        assert_eq!(
            crate::counters::get(Counter::TemplateLimitChecks),
            checks(1)
        );
        let text: String = (0..300).map(|i| format!("param p{i} string\n")).collect();
        memo.read("main-3.bicep", &text);
        assert_eq!(check_and_count_read(&mut memo).0.len(), 1);
        memo.forget("main-3.bicep");
        assert_eq!(check_and_count_read(&mut memo), (first, 6));
        assert_eq!(
            crate::counters::get(Counter::TemplateLimitChecks),
            checks(3)
        );
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let mut files = FileSet::default();
        let text: String = (0..300).map(|i| format!("param p{i} string\n")).collect();
        files.files.insert("main.bicep".into(), text);
        let diagnostics = check(&files);
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.contains("300 parameters"));
    }
}
