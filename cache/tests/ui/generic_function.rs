// One memoized function has one static cache of one value type: generics are refused.
#[gencache::memoize]
fn generate<T: std::fmt::Display>(prompt: T) -> String {
    prompt.to_string()
}

fn main() {
    let _ = generate("a cat");
}
