fn main() {
    std::process::exit(flinkform::cli::run(std::env::args_os()));
}
