// `&mut self` is a `&mut` argument too.
struct Generator {
    calls: u32,
}

impl Generator {
    #[gencache::memoize]
    fn generate(&mut self, prompt: &str) -> String {
        self.calls += 1;
        prompt.to_string()
    }
}

fn main() {
    let mut generator = Generator { calls: 0 };
    let _ = generator.generate("a cat");
}
