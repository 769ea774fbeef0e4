//! Checkpoint directories written atomically.
//!
//! A trainer writes its files (weights, optimizer moments) into a fresh
//! temporary directory, the state goes in last, and the directory is swapped
//! in with two renames: a run killed at any moment leaves the previous or the
//! new checkpoint, never a mix. Between the two renames only the previous
//! checkpoint exists, under another name, and [`find_checkpoint`] finds it.

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::KitError;

/// Directory name of the live checkpoint inside the output directory.
pub const CHECKPOINT_DIR: &str = "checkpoint";
/// The trainer's resumable state inside a checkpoint.
pub const STATE_FILE: &str = "state.json";
const TMP_DIR: &str = ".checkpoint.tmp";
const OLD_DIR: &str = ".checkpoint.old";

fn rm_dir(p: &Path) -> Result<(), KitError> {
    if p.exists() {
        fs::remove_dir_all(p).map_err(|e| KitError::io(p, e))?;
    }
    Ok(())
}

/// Write the checkpoint of `out_dir`: `fill` writes the trainer's files into
/// the directory it is given, then `state` is written as [`STATE_FILE`] and
/// the directory replaces the previous checkpoint.
pub fn write_checkpoint<S, E>(
    out_dir: &Path,
    state: &S,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), E>
where
    S: Serialize,
    E: From<KitError>,
{
    let tmp = out_dir.join(TMP_DIR);
    rm_dir(&tmp)?;
    fs::create_dir_all(&tmp).map_err(|e| KitError::io(&tmp, e))?;
    fill(&tmp)?;
    let state_path = tmp.join(STATE_FILE);
    let text = serde_json::to_string_pretty(state).map_err(|e| KitError::Format {
        path: state_path.clone(),
        message: e.to_string(),
    })?;
    fs::write(&state_path, text).map_err(|e| KitError::io(&state_path, e))?;
    let live = out_dir.join(CHECKPOINT_DIR);
    let old = out_dir.join(OLD_DIR);
    rm_dir(&old)?;
    if live.exists() {
        fs::rename(&live, &old).map_err(|e| KitError::io(&live, e))?;
    }
    fs::rename(&tmp, &live).map_err(|e| KitError::io(&tmp, e))?;
    rm_dir(&old)?;
    Ok(())
}

/// The checkpoint to resume from: the live one, or the previous one when a
/// run died between the two renames of [`write_checkpoint`].
pub fn find_checkpoint(out_dir: &Path) -> Option<PathBuf> {
    [CHECKPOINT_DIR, OLD_DIR]
        .iter()
        .map(|d| out_dir.join(d))
        .find(|d| d.join(STATE_FILE).is_file())
}

/// Read the state of `checkpoint` (errors name the file and line).
pub fn read_state<S: DeserializeOwned>(checkpoint: &Path) -> Result<S, KitError> {
    let path = checkpoint.join(STATE_FILE);
    let text = fs::read_to_string(&path).map_err(|e| KitError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| KitError::Format {
        message: format!("line {}: {e}", e.line()),
        path,
    })
}

/// Delete the checkpoint and any half-written one (after a finished run).
pub fn remove_checkpoint(out_dir: &Path) -> Result<(), KitError> {
    for d in [CHECKPOINT_DIR, TMP_DIR, OLD_DIR] {
        rm_dir(&out_dir.join(d))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_keeps_one_whole_checkpoint() {
        let d = tempfile::tempdir().expect("dir");
        write_checkpoint::<_, KitError>(d.path(), &vec![1, 2], |tmp| {
            fs::write(tmp.join("w"), "first").map_err(|e| KitError::io(tmp, e))
        })
        .expect("first");
        write_checkpoint::<_, KitError>(d.path(), &vec![3], |tmp| {
            fs::write(tmp.join("w"), "second").map_err(|e| KitError::io(tmp, e))
        })
        .expect("second");
        let live = find_checkpoint(d.path()).expect("found");
        assert_eq!(fs::read_to_string(live.join("w")).unwrap(), "second");
        assert_eq!(read_state::<Vec<i32>>(&live).unwrap(), vec![3]);
        // A failing writer leaves the previous checkpoint in place.
        let failed = write_checkpoint::<_, KitError>(d.path(), &vec![4], |tmp| {
            Err(KitError::io(tmp, std::io::Error::other("disk full")))
        });
        assert!(failed.is_err());
        let live = find_checkpoint(d.path()).expect("still there");
        assert_eq!(read_state::<Vec<i32>>(&live).unwrap(), vec![3]);
        remove_checkpoint(d.path()).expect("remove");
        assert!(find_checkpoint(d.path()).is_none());
    }

    #[test]
    fn a_run_killed_between_the_renames_resumes_from_the_old_one() {
        let d = tempfile::tempdir().expect("dir");
        let old = d.path().join(OLD_DIR);
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join(STATE_FILE), "[7]").unwrap();
        assert_eq!(find_checkpoint(d.path()), Some(old.clone()));
        fs::write(old.join(STATE_FILE), "[7,\n oops").unwrap();
        let e = read_state::<Vec<i32>>(&old).unwrap_err().to_string();
        assert!(e.contains("state.json") && e.contains("line 2"), "{e}");
    }
}
