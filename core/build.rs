//! Stages the project's Hydra configuration (`../conf`, the one source) in OUT_DIR, from where maturin puts it in
//! the wheel as the package `chromecut.conf` (pyproject.toml: `[[tool.maturin.include]]`, `from = "out-dir"`).
//! Nothing here is compiled into the crate; without `../conf` (the crate built on its own) nothing is staged.

use std::path::Path;
use std::{env, fs, io};

fn stage(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "__pycache__" {
                stage(&path, &to.join(&name))?;
            }
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "py") {
            fs::copy(&path, to.join(&name))?;
        }
    }
    Ok(())
}

fn main() {
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conf");
    println!("cargo:rerun-if-changed={}", conf.display());
    println!("cargo:rerun-if-changed=build.rs");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("conf");
    let _ = fs::remove_dir_all(&out);
    if conf.is_dir() {
        stage(&conf, &out).expect("staging ../conf in OUT_DIR");
    }
}
