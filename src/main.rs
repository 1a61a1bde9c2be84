// mimalloc: grading allocates many small strings (tokens, findings) on every thread; glibc's
// allocator spent a quarter of the time there and serialised the threads on its arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_e` (the same index in its v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Memory freed by one chunk of respondents is reused by the next: returning it to the OS
    // (mimalloc's default, after 10 ms) made the kernel zero it again on every reuse — a third
    // of a 100,000-row run's time went to page faults. A run is short; keep it.
    // SAFETY: sets one of mimalloc's integer options, before any thread is started.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    examgrade::cli::main()
}
