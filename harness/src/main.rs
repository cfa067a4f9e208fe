//! harness: replays workloads through the real gencache cache in front of a simulated slow
//! generator and turns them into a verdict (speedup, hit rate, latency, memory overhead).

fn main() {}
