//! `flinkform version`

use crate::cli::Printer;

pub fn run(json: bool, printer: &mut Printer) -> i32 {
    let version = env!("CARGO_PKG_VERSION");
    if json {
        let doc = serde_json::json!({ "flinkform_version": version, "platform": format!("{}_{}", std::env::consts::OS, std::env::consts::ARCH) });
        printer.out(&format!("{doc:#}\n"));
    } else {
        printer.out(&format!(
            "flinkform v{version}\non {}_{}\n",
            std::env::consts::OS,
            std::env::consts::ARCH
        ));
    }
    0
}
