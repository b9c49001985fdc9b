//! Work split over the machine's cores with results in input order, so that nothing ferry
//! prints depends on the number of threads.

/// The number of cores to use, found once: the standard library reads the cgroup's CPU quota
/// from files on each call.
pub fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `f` on contiguous chunks of `items`, one chunk per core (chunks of at least `min_chunk`
/// items: below that a thread costs more than it saves), and returns the results in the order of
/// the chunks.
pub fn chunks_mut<T: Send, R: Send>(
    items: &mut [T],
    min_chunk: usize,
    f: impl Fn(&mut [T]) -> R + Sync,
) -> Vec<R> {
    let chunk = chunk_len(items.len(), min_chunk);
    if items.len() <= chunk {
        return vec![f(items)];
    }
    each_on_a_thread(items.chunks_mut(chunk), f)
}

/// `chunks_mut` for work that only reads the items.
pub fn chunks<'a, T: Sync, R: Send>(
    items: &'a [T],
    min_chunk: usize,
    f: impl Fn(&'a [T]) -> R + Sync,
) -> Vec<R> {
    let chunk = chunk_len(items.len(), min_chunk);
    if items.len() <= chunk {
        return vec![f(items)];
    }
    each_on_a_thread(items.chunks(chunk), f)
}

/// Items per chunk: one chunk per core, at least `min_chunk`.
fn chunk_len(len: usize, min_chunk: usize) -> usize {
    len.div_ceil(threads()).max(min_chunk).max(1)
}

/// Runs `f` on each piece on a thread of its own; the results in the order of the pieces.
fn each_on_a_thread<P: Send, R: Send>(
    pieces: impl Iterator<Item = P>,
    f: impl Fn(P) -> R + Sync,
) -> Vec<R> {
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = pieces.map(|p| s.spawn(move || f(p))).collect();
        // A panic in a worker is a bug: re-raise it here with its own message.
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_chunks() {
        let mut items: Vec<usize> = (0..1000).collect();
        let sums = super::chunks_mut(&mut items, 10, |c| {
            c.iter_mut().for_each(|x| *x *= 2);
            c.to_vec()
        });
        let flat: Vec<usize> = sums.into_iter().flatten().collect();
        assert_eq!(flat, (0..1000).map(|x| x * 2).collect::<Vec<_>>());
    }
}
