// mimalloc: grading allocates many small strings (tokens, findings) on every thread; glibc's
// allocator spent a quarter of the time there and serialised the threads on its arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    examgrade::cli::main()
}
