// An `Err` is handed to every concurrent waiter, so the error type must be `Clone`.
#[derive(Debug)]
struct GenError;

#[gencache::memoize]
fn generate(prompt: &str) -> Result<String, GenError> {
    if prompt.is_empty() {
        return Err(GenError);
    }
    Ok(prompt.to_string())
}

fn main() {
    let _ = generate("a cat");
}
