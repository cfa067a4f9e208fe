// The value type must implement `gencache::Weigh` (or a `weigher = ...` must be given).
#[derive(Clone)]
struct Model {
    vertices: Vec<f32>,
}

#[gencache::memoize]
fn generate(prompt: &str) -> Model {
    Model {
        vertices: vec![prompt.len() as f32],
    }
}

fn main() {
    let _ = generate("a cat").vertices;
}
