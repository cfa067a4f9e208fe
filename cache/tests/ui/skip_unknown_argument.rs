// `skip(..)` must name arguments of the function.
#[gencache::memoize(skip(verbose))]
fn generate(prompt: &str, debug: bool) -> String {
    let _ = debug;
    prompt.to_string()
}

fn main() {
    let _ = generate("a cat", false);
}
