// A misspelt option is refused, listing the options that exist.
#[gencache::memoize(tll = "1h")]
fn generate(prompt: &str) -> String {
    prompt.to_string()
}

fn main() {
    let _ = generate("a cat");
}
