// Bounds configure the function's own cache; a shared cache is configured where it is built.
use gencache::Cache;
use std::sync::LazyLock;

static SHARED: LazyLock<Cache<u128, String>> = LazyLock::new(|| Cache::builder().build());

#[gencache::memoize(cache = SHARED, max_entries = 10)]
fn generate(prompt: &str) -> String {
    prompt.to_string()
}

fn main() {
    let _ = generate("a cat");
}
