//! A process without the counting allocator (this test binary declares none) cannot run the
//! memory pass: it is refused with a message saying what to declare, instead of measuring zero.

use harness::run::{RunError, RunOptions, run};
use harness::source::Source;
use workloads::Workload;

#[test]
fn the_memory_pass_needs_the_counting_allocator() {
    assert!(!harness::alloc::installed());
    let source = Source::Workload(Workload::preset("seed-example").expect("preset"));
    let with_memory = run(&source, &RunOptions::default(), &mut |_, _| {});
    let Err(e @ RunError::NoCountingAllocator) = with_memory else {
        panic!(
            "expected NoCountingAllocator, got {:?}",
            with_memory.map(|_| ())
        );
    };
    assert!(e.to_string().contains("#[global_allocator]"), "{e}");
    let without = RunOptions {
        measure_memory: false,
        ..RunOptions::default()
    };
    assert!(run(&source, &without, &mut |_, _| {}).is_ok());
}
