//! The `ferry` binary: all behaviour lives in the library; this maps it to an exit code.

/// mimalloc instead of the system allocator: a conversion allocates millions of small AST and IR
/// nodes on several threads, and glibc's per-thread arenas grow by `mprotect` page by page
/// (BENCHMARKS.md has the numbers).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ferry::cli::run()
}
