// A TTL that humantime cannot parse fails the build at the literal.
#[gencache::memoize(ttl = "1 hour and a bit")]
fn generate(prompt: &str) -> String {
    prompt.to_string()
}

fn main() {
    let _ = generate("a cat");
}
