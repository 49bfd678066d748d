//! The program: generated call graphs (the expressions in them: `exprs.rs`).

use super::*;

#[derive(Clone, Debug)]
pub(crate) enum Expr {
    /// A param or a call-result local (one index space, params first, as in wasm).
    Local(u32),
    Const(V),
    /// The module's checksum: `(i64.load (global.get $__memory_base))`.
    Checksum,
    /// A WAT instruction (`i32.add`, `select`, ...) applied to operand expressions.
    Op(&'static str, Vec<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum How {
    /// An imported function (`env.m{j}_f{k}`).
    Import,
    /// A function pointer from `GOT.func.m{j}_f{k}`, called with `call_indirect`.
    Got,
    /// An earlier function of the same module, through its own table slot
    /// (`call_indirect` at `__table_base + k`, placed by an elem segment), as C code calling
    /// through a pointer to a function of its own module does.
    Own,
}

#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub(crate) module: usize,
    pub(crate) func: usize,
    pub(crate) how: How,
    pub(crate) args: Vec<Expr>,
}

#[derive(Clone, Debug)]
pub(crate) struct Func {
    pub(crate) params: Vec<T>,
    pub(crate) results: Vec<T>,
    /// Static bound on |float result|; callers rely on it.
    pub(crate) result_bounds: Vec<f64>,
    /// Call results are stored in locals following the params, in call order.
    pub(crate) calls: Vec<Call>,
    /// After the calls, the module's checksum (8 bytes at `__memory_base`) becomes this i64: a
    /// side effect that makes params and calls of functions without results observable too.
    pub(crate) checksum: Expr,
    pub(crate) ret: Vec<Expr>,
}

#[derive(Clone, Debug)]
pub(crate) struct Program {
    pub(crate) modules: Vec<Vec<Func>>,
    /// Host calls into the last module: (function index, arguments).
    pub(crate) calls: Vec<(usize, Vec<V>)>,
}

/// Sizes that proptest varies (and shrinks); the seed fills in the rest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    pub(crate) seed: u64,
    /// Number of modules (2-5).
    pub(crate) modules: usize,
    /// Most functions per module (1-4).
    pub(crate) funcs: usize,
    /// Most calls per function (0-3).
    pub(crate) calls: usize,
    /// Deepest expression (0-3).
    pub(crate) depth: u32,
    /// Whether calls may go through function pointers.
    pub(crate) pointers: bool,
    /// Keep `select` conditions away from the pattern wasmi 2.0.0 miscompiles (see
    /// [`wasmi_select_fused_with_eqz_of_a_local`]). On in the properties.
    pub(crate) wasmi_workaround: bool,
    /// Infinities and NaNs among float constants and host arguments.
    pub(crate) specials: bool,
}

/// The program a seed and sizes make.
pub(crate) fn generate(p: Params) -> Program {
    WASMI_WORKAROUND.with(|w| w.set(p.wasmi_workaround));
    SPECIALS.with(|s| s.set(p.specials));
    let mut rng = Random(p.seed);
    let mut modules: Vec<Vec<Func>> = Vec::new();
    for m in 0..p.modules {
        let mut funcs = Vec::new();
        for _ in 0..rng.range(1, p.funcs) {
            let f = function(&mut rng, p, &modules, m, &funcs);
            funcs.push(f);
        }
        modules.push(funcs);
    }
    let calls = host_calls(&mut rng, modules.last().unwrap());
    Program { modules, calls }
}

/// A function of module `m`, after `modules` and its module's `funcs`.
fn function(rng: &mut Random, p: Params, modules: &[Vec<Func>], m: usize, funcs: &[Func]) -> Func {
    let params: Vec<T> = (0..rng.range(0, 4)).map(|_| rng.ty()).collect();
    let nresults = match rng.below(8) {
        0 => 0,
        1 | 2 => 2,
        _ => 1,
    };
    let results: Vec<T> = (0..nresults).map(|_| rng.ty()).collect();
    let mut scope: Vec<(T, f64)> = params.iter().map(|t| (*t, LIMIT)).collect();
    let calls = calls(rng, p, modules, m, funcs, &mut scope);
    let rotated = op("i64.rotl", vec![Expr::Checksum, Expr::Const(V::I64(rng.range(1, 63) as i64))]);
    let checksum = op("i64.xor", vec![rotated, digest(rng, &scope)]);
    let mut ret = Vec::new();
    let mut result_bounds = Vec::new();
    for t in &results {
        let (e, b) = expr(rng, &scope, *t, p.depth + 1);
        let (e, b) = mix_in_digest(rng, &scope, *t, e, b);
        ret.push(e);
        result_bounds.push(if t.is_float() { b } else { int_bound(*t) });
    }
    Func { params, results, result_bounds, calls, checksum, ret }
}

/// The calls of a function of module `m`; each call's results join `scope`.
fn calls(
    rng: &mut Random,
    p: Params,
    modules: &[Vec<Func>],
    m: usize,
    funcs: &[Func],
    scope: &mut Vec<(T, f64)>,
) -> Vec<Call> {
    let mut calls = Vec::new();
    for _ in 0..rng.range(0, p.calls) {
        // An earlier function of this module (no recursion), or a function of an earlier
        // module: half the time the one just before, so that every module is reached.
        let own = !funcs.is_empty() && (m == 0 || rng.chance(1, 5));
        let (module, how) = match own {
            true => (m, How::Own),
            false if m == 0 => break,
            false => {
                let module = if rng.chance(1, 2) { m - 1 } else { rng.below(m) };
                (module, if p.pointers && rng.chance(2, 3) { How::Got } else { How::Import })
            }
        };
        let callees: &[Func] = if own { funcs } else { &modules[module] };
        let func = rng.below(callees.len());
        let callee = &callees[func];
        let args = callee.params.iter().map(|t| expr(rng, scope, *t, p.depth).0).collect();
        for (t, b) in callee.results.iter().zip(&callee.result_bounds) {
            scope.push((*t, *b));
        }
        calls.push(Call { module, func, how, args });
    }
    calls
}

/// Two host calls of every function of the last module.
fn host_calls(rng: &mut Random, last: &[Func]) -> Vec<(usize, Vec<V>)> {
    let mut calls = Vec::new();
    for (k, f) in last.iter().enumerate() {
        for _ in 0..2 {
            let args = f.params.iter().map(|t| host_arg(rng, *t)).collect();
            calls.push((k, args));
        }
    }
    calls
}

fn host_arg(rng: &mut Random, t: T) -> V {
    match t {
        T::I32 | T::I64 => int_const(rng, t),
        // Host arguments: the same specials, or anything up to ARG_LIMIT.
        _ if rng.chance(1, 2) => float_const(rng, t),
        _ => {
            let x = (rng.next() as i64 as f64) / (i64::MAX as f64) * ARG_LIMIT;
            if t == T::F32 {
                V::F32(x as f32)
            } else {
                V::F64(x)
            }
        }
    }
}
