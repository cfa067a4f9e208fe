// A cached call would skip the writes through `&mut`, so memoizing such a function is refused.
#[gencache::memoize]
fn generate(prompt: &str, log: &mut Vec<String>) -> String {
    log.push(prompt.to_string());
    prompt.to_string()
}

fn main() {
    let mut log = Vec::new();
    let _ = generate("a cat", &mut log);
}
