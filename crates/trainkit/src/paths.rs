//! Paths in training configs: relative to the config file, `~/` for the
//! user's home (where the fetch scripts cache encoders, embeddings and
//! prepared extra corpora), folded lexically so that logs and model cards
//! read `/work/runs/x` rather than `/work/configs/../runs/x`.

use std::path::{Component, Path, PathBuf};

/// `p` as written in a config located in `base`.
pub fn resolve(base: &Path, p: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~") {
        if let Some(home) = std::env::var_os("HOME") {
            return normalize(&PathBuf::from(home).join(rest));
        }
    }
    if p.is_absolute() {
        normalize(p)
    } else {
        normalize(&base.join(p))
    }
}

/// Drop `.` and fold `name/..` without touching the file system (exact when
/// the base is canonical, as the config loaders make it).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_absolute_and_home_paths() {
        let base = Path::new("/work/main/configs");
        assert_eq!(
            resolve(base, Path::new("../../shared/data/x.conll")),
            PathBuf::from("/work/shared/data/x.conll")
        );
        assert_eq!(
            resolve(base, Path::new("/abs/./y")),
            PathBuf::from("/abs/y")
        );
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(
                resolve(base, Path::new("~/.cache/z")),
                PathBuf::from(home).join(".cache/z")
            );
        }
        assert_eq!(normalize(Path::new("./a/../..")), PathBuf::from(".."));
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
    }
}
