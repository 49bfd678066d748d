//! Values and a small deterministic random source.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum T {
    I32,
    I64,
    F32,
    F64,
}

impl T {
    pub(crate) const ALL: [T; 4] = [T::I32, T::I64, T::F32, T::F64];
    pub(crate) fn name(self) -> &'static str {
        match self {
            T::I32 => "i32",
            T::I64 => "i64",
            T::F32 => "f32",
            T::F64 => "f64",
        }
    }
    pub(crate) fn is_float(self) -> bool {
        matches!(self, T::F32 | T::F64)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum V {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
}

/// A value as compared: its type and bit pattern.
pub(crate) type Bits = (T, u64);

impl V {
    pub(crate) fn bits(self) -> Bits {
        match self {
            V::I32(v) => (T::I32, v as u32 as u64),
            V::I64(v) => (T::I64, v as u64),
            V::F32(v) => (T::F32, v.to_bits() as u64),
            V::F64(v) => (T::F64, v.to_bits()),
        }
    }
    /// Floats are written as bit patterns, so the WAT float parser is not under test.
    pub(crate) fn wat(self) -> String {
        match self {
            V::I32(v) => format!("(i32.const {v})"),
            V::I64(v) => format!("(i64.const {v})"),
            V::F32(v) => format!("(f32.reinterpret_i32 (i32.const {}))", v.to_bits() as i32),
            V::F64(v) => format!("(f64.reinterpret_i64 (i64.const {}))", v.to_bits() as i64),
        }
    }
}

/// SplitMix64: the whole program follows from the seed.
pub(crate) struct Random(pub(crate) u64);

impl Random {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Inclusive range.
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    pub(crate) fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }
    pub(crate) fn pick<X: Copy>(&mut self, xs: &[X]) -> X {
        xs[self.below(xs.len())]
    }
    pub(crate) fn ty(&mut self) -> T {
        self.pick(&T::ALL)
    }
}
