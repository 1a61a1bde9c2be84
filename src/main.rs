fn main() -> std::process::ExitCode {
    examgrade::cli::main()
}
