//! Work split over the machine's cores with results in input order, so that nothing ferry
//! prints depends on the number of threads. The one place the compiler stages start threads:
//! - `chunks`, `chunks_mut`: contiguous chunks, one per core (mapping, lowering's passes);
//! - `each_on_a_thread`: a thread per piece (the splitter's pieces of a large script);
//! - `pieces_in_turn`: the cores take the next piece until none is left (printing);
//! - `stream_in_order`: the same, handing each result to the caller in order as soon as its
//!   turn comes, with a bounded backlog (parsing, whose trees lowering consumes and drops);
//! - `beside`: one job on a thread of its own while the caller does another (the mapping rules
//!   are read while the script is).
//!
//! A panic in a worker is a bug: each re-raises it on the calling thread with its own message.

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
pub fn each_on_a_thread<P: Send, R: Send>(
    pieces: impl Iterator<Item = P>,
    f: impl Fn(P) -> R + Sync,
) -> Vec<R> {
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = pieces.map(|p| s.spawn(move || f(p))).collect();
        handles.into_iter().map(joined).collect()
    })
}

/// Re-raises a worker's panic on the calling thread.
fn joined<R>(h: std::thread::ScopedJoinHandle<'_, R>) -> R {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Runs `job` on a thread of its own while `here` runs on the calling thread.
pub fn beside<A: Send, B>(job: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|s| {
        let other = s.spawn(job);
        let b = here();
        (joined(other), b)
    })
}

/// Runs `work` on every piece, the cores (the calling thread among them) each taking the next
/// piece until none is left, so that they finish together; the results in the order of the
/// pieces.
pub fn pieces_in_turn<'a, P: Sync, R: Send>(
    pieces: &'a [P],
    work: impl Fn(&'a P) -> R + Sync,
) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let take = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(piece) = pieces.get(k) else {
                return done;
            };
            done.push((k, work(piece)));
        }
    };
    let mut done = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads().min(pieces.len()))
            .map(|_| s.spawn(take))
            .collect();
        let mut done = take();
        for h in helpers {
            done.extend(joined(h));
        }
        done
    });
    done.sort_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, r)| r).collect()
}

/// `produce` on every block on all cores (blocks taken in turn), and `consume` of each result
/// on the calling thread in the order of the blocks, as soon as its turn comes. At most
/// `2 * threads()` results wait to be consumed: when the consumer falls behind, the producers
/// wait instead of piling results up.
pub fn stream_in_order<'a, B: Sync, T: Send>(
    blocks: &'a [B],
    produce: impl Fn(&'a B) -> T + Sync,
    mut consume: impl FnMut(T),
) {
    let threads = threads();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (produce, next) = (&produce, &next);
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel(2 * threads);
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let tx = tx.clone();
                s.spawn(move || {
                    loop {
                        let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(block) = blocks.get(b) else {
                            break;
                        };
                        // The receiver is gone only when the caller is unwinding: stop.
                        if tx.send((b, produce(block))).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        // Results arrive roughly in order; the few that overtake wait here for their turn.
        let mut waiting = std::collections::BTreeMap::new();
        let mut due = 0;
        for (b, result) in rx {
            waiting.insert(b, result);
            while let Some(result) = waiting.remove(&due) {
                consume(result);
                due += 1;
            }
        }
        workers.into_iter().for_each(joined);
        debug_assert_eq!(due, blocks.len());
    });
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

    #[test]
    fn pieces_and_streams_come_back_in_order() {
        let pieces: Vec<usize> = (0..500).collect();
        assert_eq!(
            super::pieces_in_turn(&pieces, |p| p * 3),
            (0..500).map(|x| x * 3).collect::<Vec<_>>()
        );
        let mut seen = Vec::new();
        super::stream_in_order(&pieces, |p| p + 1, |r| seen.push(r));
        assert_eq!(seen, (1..501).collect::<Vec<_>>());
        let (a, b) = super::beside(|| 2, || 3);
        assert_eq!((a, b), (2, 3));
    }
}
