//! Writing `grade --out DIR` so that the folder always holds exactly one run, and so that only
//! files examgrade wrote are ever replaced or removed.
//!
//! The whole output is written into a fresh folder next to `DIR` (`.DIR.examgrade-new-PID`),
//! with a manifest (`.examgrade-manifest`) listing every file of the run; only then does it
//! take `DIR`'s place. Files in `DIR` that the previous run's manifest does not list — a TA's
//! `reports/2024-exam-notes.md` — are moved over into the new folder untouched, and a file of
//! ours that would overwrite one of them is refused before anything is written. Nothing is
//! followed through a symbolic link: links found in `DIR` are moved as links, and `DIR` itself
//! must not be one.

use super::Fatal;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The manifest's file name inside the output folder.
pub const MANIFEST: &str = ".examgrade-manifest";
const MANIFEST_HEADER: &str =
    "# files written by examgrade grade; only these are replaced on the next run";

/// An output folder being written: files go straight into a fresh folder beside `DIR` as they
/// are rendered (nothing is held in memory), and [`Staging::commit`] puts it in `DIR`'s place.
/// Dropped without a commit (an error half-way), it removes itself and `DIR` is untouched.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    written: Vec<String>,
    committed: bool,
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Fatal {
    Fatal(format!("{}: {what}: {e}", path.display()))
}

/// `out` must be a folder or not exist; it must not be a symbolic link.
fn existing(out: &Path) -> Result<bool, Fatal> {
    match std::fs::symlink_metadata(out) {
        Ok(meta) if meta.file_type().is_symlink() => Err(Fatal(format!(
            "{}: the output folder is a symbolic link; give the folder it points to",
            out.display()
        ))),
        Ok(meta) if !meta.is_dir() => Err(Fatal(format!(
            "{}: exists and is not a folder; give a folder for --out",
            out.display()
        ))),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(out, "cannot read the output folder", e)),
    }
}

fn parent_and_name(out: &Path) -> Result<(PathBuf, String), Fatal> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .ok_or_else(|| Fatal(format!("{}: not a folder name", out.display())))?;
    Ok((parent, name))
}

impl Staging {
    /// Start writing the run that will become `out`.
    pub fn create(out: &Path) -> Result<Staging, Fatal> {
        existing(out)?;
        let (parent, name) = parent_and_name(out)?;
        std::fs::create_dir_all(&parent).map_err(|e| io(&parent, "cannot create", e))?;
        let dir = parent.join(format!(".{name}.examgrade-new-{}", std::process::id()));
        remove_leftover(&dir)?;
        std::fs::create_dir(&dir).map_err(|e| io(&dir, "cannot create", e))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            written: Vec::new(),
            committed: false,
        })
    }

    /// Write the file `rel` (relative, `/`-separated, a name examgrade made) with `fill`.
    pub fn write_with(
        &mut self,
        rel: &str,
        fill: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
    ) -> Result<(), Fatal> {
        let path = self.dir.join(rel);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| io(d, "cannot create", e))?;
        }
        let file = std::fs::File::create(&path).map_err(|e| io(&path, "cannot write", e))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
        let shown = self.out.join(rel);
        fill(&mut w).map_err(|e| Fatal(format!("{}: {e}", shown.display())))?;
        std::io::Write::flush(&mut w).map_err(|e| io(&shown, "cannot write", e))?;
        self.written.push(rel.to_string());
        Ok(())
    }

    /// A new file `rel`, buffered, to write into as the run goes.
    pub fn file(&mut self, rel: &str) -> Result<std::io::BufWriter<std::fs::File>, Fatal> {
        let path = self.path(rel)?;
        let file = std::fs::File::create(&path).map_err(|e| io(&path, "cannot write", e))?;
        Ok(std::io::BufWriter::with_capacity(1 << 16, file))
    }

    /// The path of the file `rel` in the staging folder (its folder created), recorded as a
    /// file of this run: the caller writes it.
    pub fn path(&mut self, rel: &str) -> Result<PathBuf, Fatal> {
        let path = self.dir.join(rel);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| io(d, "cannot create", e))?;
        }
        self.written.push(rel.to_string());
        Ok(path)
    }

    /// A folder for temporary files inside the staging folder (removed by
    /// [`Staging::remove_scratch`], and with the staging folder in any case).
    pub fn scratch(&mut self) -> Result<PathBuf, Fatal> {
        let scratch = self.dir.join(".examgrade-scratch");
        std::fs::create_dir_all(&scratch).map_err(|e| io(&scratch, "cannot create", e))?;
        Ok(scratch)
    }

    pub fn remove_scratch(&mut self) {
        let _ = std::fs::remove_dir_all(self.dir.join(".examgrade-scratch"));
    }

    /// Write the file `rel` with these bytes.
    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<(), Fatal> {
        self.write_with(rel, |w| Ok(w.write_all(bytes)?))
    }

    /// Put the run in `out`'s place: refuse if a file of ours would replace one examgrade did
    /// not write, keep those files, remove the previous run's own.
    pub fn commit(mut self) -> Result<(), Fatal> {
        let mut manifest = String::from(MANIFEST_HEADER);
        manifest.push('\n');
        self.written.sort();
        for rel in &self.written {
            manifest.push_str(rel);
            manifest.push('\n');
        }
        let path = self.dir.join(MANIFEST);
        std::fs::write(&path, manifest).map_err(|e| io(&path, "cannot write", e))?;
        let ours: BTreeSet<&str> = self.written.iter().map(String::as_str).collect();
        let out = self.out.clone();
        let was_there = existing(&out)?;
        let foreign = if was_there {
            foreign_entries(&out, &ours)?
        } else {
            Vec::new()
        };
        self.committed = true;
        if !was_there {
            return std::fs::rename(&self.dir, &out)
                .map_err(|e| io(&out, "cannot move the output into place", e));
        }
        let (parent, name) = parent_and_name(&out)?;
        let old = parent.join(format!(".{name}.examgrade-old-{}", std::process::id()));
        remove_leftover(&old)?;
        std::fs::rename(&out, &old)
            .map_err(|e| io(&out, "cannot move the previous output aside", e))?;
        if let Err(e) = std::fs::rename(&self.dir, &out) {
            let _ = std::fs::rename(&old, &out);
            return Err(io(&out, "cannot move the output into place", e));
        }
        for rel in &foreign {
            let (from, to) = (old.join(rel), out.join(rel));
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir).map_err(|e| io(dir, "cannot create", e))?;
            }
            std::fs::rename(&from, &to).map_err(|e| {
                Fatal(format!(
                    "{}: cannot keep this file of yours (it is still in {}): {e}",
                    to.display(),
                    old.display()
                ))
            })?;
        }
        // What is left of the previous run is examgrade's own files (and their folders).
        std::fs::remove_dir_all(&old).map_err(|e| io(&old, "cannot remove the previous output", e))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A staging folder of an earlier, interrupted run of this process id: ours by its name.
fn remove_leftover(path: &Path) -> Result<(), Fatal> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            std::fs::remove_dir_all(path).map_err(|e| io(path, "cannot remove a leftover", e))
        }
        Ok(_) => std::fs::remove_file(path).map_err(|e| io(path, "cannot remove a leftover", e)),
        Err(_) => Ok(()),
    }
}

/// Entries of `out` that the previous run's manifest does not list (relative paths), after
/// refusing any that a file of this run would overwrite.
fn foreign_entries(out: &Path, ours: &BTreeSet<&str>) -> Result<Vec<String>, Fatal> {
    let listed: BTreeSet<String> = match std::fs::symlink_metadata(out.join(MANIFEST)) {
        Ok(m) if m.is_file() => std::fs::read_to_string(out.join(MANIFEST))
            .map_err(|e| io(&out.join(MANIFEST), "cannot read", e))?
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(str::to_string)
            .collect(),
        _ => BTreeSet::new(),
    };
    // Folders this run or the previous one wrote into (every ancestor of their files): walked,
    // not moved whole — the previous run's files in them are ours to remove (a run with
    // `--reports none` after one with reports leaves no stale reports behind).
    let mut our_dirs: BTreeSet<String> = BTreeSet::new();
    for path in ours
        .iter()
        .copied()
        .chain(listed.iter().map(String::as_str))
    {
        let mut rest = path;
        while let Some((dir, _)) = rest.rsplit_once('/') {
            our_dirs.insert(dir.to_string());
            rest = dir;
        }
    }
    let mut foreign = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(rel_dir) = stack.pop() {
        let dir = if rel_dir.is_empty() {
            out.to_path_buf()
        } else {
            out.join(&rel_dir)
        };
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| io(&dir, "cannot read", e))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().to_string();
            let rel = if rel_dir.is_empty() {
                name
            } else {
                format!("{rel_dir}/{name}")
            };
            let kind = entry
                .file_type()
                .map_err(|e| io(&entry.path(), "cannot read", e))?;
            if rel == MANIFEST {
                continue;
            }
            if kind.is_dir() && our_dirs.contains(&rel) {
                stack.push(rel);
                continue;
            }
            if kind.is_file() && listed.contains(&rel) {
                continue;
            }
            let clash = ours.contains(rel.as_str())
                || ours.iter().any(|p| p.starts_with(&format!("{rel}/")));
            if clash {
                return Err(Fatal(format!(
                    "{}: examgrade did not write this {} (it is not in {}), and this run would \
                     replace it; move it away or choose another --out",
                    out.join(&rel).display(),
                    if kind.is_dir() { "folder" } else { "file" },
                    MANIFEST
                )));
            }
            foreign.push(rel);
        }
    }
    Ok(foreign)
}
