// The JavaScript half of the V8 adapter: V8's WebAssembly objects live here, in one arena per store;
// Rust holds their indices (id 0 is the null reference). Evaluated once per process by `js.rs`; needs
// `--experimental-wasm-type-reflection` (WebAssembly.Function: host functions that can sit in tables,
// and the signature of any function, also one read back from a table).
(() => {
  'use strict';
  const vm = process.getBuiltinModule('node:vm');
  if (typeof WebAssembly.Function !== 'function') {
    throw new Error('WebAssembly.Function is missing: run node with --experimental-wasm-type-reflection');
  }
  const stores = new Map();
  let nextStore = 1;
  const modules = [];
  const KIND = { function: 0, table: 1, memory: 2, global: 3 };
  // One-letter value types shared with Rust (`js.rs`): i32, i64, f32, f64, funcref.
  const TYPE = { i: 'i32', I: 'i64', f: 'f32', F: 'f64', r: 'anyfunc' };
  const LETTER = { i32: 'i', i64: 'I', f32: 'f', f64: 'F', anyfunc: 'r', funcref: 'r', externref: 'x', v128: 'v' };

  function store(sid) {
    const s = stores.get(sid);
    if (!s) throw new Error(`dylab: no store ${sid}`);
    return s;
  }
  function intern(s, o) {
    if (o === null || o === undefined) return 0;
    let id = s.ids.get(o);
    if (id === undefined) {
      id = s.objs.length;
      s.objs.push(o);
      s.ids.set(o, id);
    }
    return id;
  }
  const sig = (letters) => [...letters].map((c) => TYPE[c]);
  const letters = (types) => types.map((t) => LETTER[t] ?? '?').join('');
  // A value from Rust: funcrefs come as ids.
  const arg = (s, c, v) => (c === 'r' ? s.objs[v] ?? null : v);
  const out = (s, c, v) => (c === 'r' ? intern(s, v) : v);

  // Top-level calls run under vm's watchdog, which terminates execution (wasm loops included) when
  // the time is up; the error then carries ERR_SCRIPT_EXECUTION_TIMEOUT.
  const timed = new vm.Script('globalThis.__dylabCall()', { filename: 'dylab-call' });
  // Runs `f` under the watchdog when `timeoutMs` >= 0 (a top-level entry), else directly.
  function within(timeoutMs, f) {
    if (timeoutMs < 0) return f();
    const saved = globalThis.__dylabCall;
    globalThis.__dylabCall = f;
    try {
      return timed.runInThisContext({ timeout: Math.max(1, Math.ceil(timeoutMs)), breakOnSigint: false });
    } finally {
      globalThis.__dylabCall = saved;
    }
  }

  return {
    // The Node, its V8 and the V8/Node flags it runs with (not `-e` and its script).
    versions: () => [
      process.version,
      process.versions.v8,
      process.execArgv.filter((a, i, all) => a.startsWith('--') && a !== '--eval' && all[i - 1] !== '-e').join(' '),
    ],
    newStore() {
      const sid = nextStore++;
      stores.set(sid, { objs: [null], ids: new Map() });
      return sid;
    },
    dropStore(sid) {
      stores.delete(sid);
    },
    compile(bytes) {
      modules.push(new WebAssembly.Module(bytes));
      return modules.length - 1;
    },
    // Imports come in the module's import order; exports go back flattened: name, kind, id.
    // Start functions run here: under the watchdog like a call, when `timeoutMs` >= 0.
    instantiate(sid, mid, importIds, timeoutMs) {
      const s = store(sid);
      const m = modules[mid];
      const imports = {};
      WebAssembly.Module.imports(m).forEach((imp, i) => {
        (imports[imp.module] ??= {})[imp.name] = s.objs[importIds[i]];
      });
      const inst = within(timeoutMs, () => new WebAssembly.Instance(m, imports));
      const res = [];
      for (const e of WebAssembly.Module.exports(m)) {
        if (e.kind in KIND) res.push(e.name, KIND[e.kind], intern(s, inst.exports[e.name]));
      }
      return res;
    },
    hostFunc(sid, params, results, fn) {
      return intern(store(sid), new WebAssembly.Function({ parameters: sig(params), results: sig(results) }, fn));
    },
    // The trampoline strategy as in the seed: a JavaScript closure calling the callee's export. Each
    // forwarder is compiled from its own source, with the callee's arity: closures of one function
    // literal share its call site's feedback, which turned megamorphic once a few forwarders had
    // run (V8 k1: 318 instructions per call counted alone, 562 after other kernels' forwarders),
    // and a rest/spread call is slower than a fixed-arity one.
    forwarder(sid, params, results, target) {
      const s = store(sid);
      const f = s.objs[target];
      const ty = { parameters: sig(params), results: sig(results) };
      const names = [...params].map((_, i) => `a${i}`).join(', ');
      const closure = new Function('f', `'use strict'; return (${names}) => f(${names});`)(f);
      return intern(s, new WebAssembly.Function(ty, closure));
    },
    get: (sid, id) => store(sid).objs[id],
    funcType(sid, id) {
      const f = store(sid).objs[id];
      // Node 26 (V8 14) has the proposal's method; Node 20 (V8 11) the older static function.
      const t = typeof f.type === 'function' ? f.type() : WebAssembly.Function.type(f);
      return letters(t.parameters) + ':' + letters(t.results);
    },
    // Arguments and results typed by letters; results always as an array.
    call(sid, id, types, args, timeoutMs) {
      const s = store(sid);
      const f = s.objs[id];
      const [pt, rt] = types.split(':');
      const a = args.map((v, i) => arg(s, pt[i], v));
      const r = within(timeoutMs, () => f(...a));
      if (rt.length === 0) return [];
      if (rt.length === 1) return [out(s, rt[0], r)];
      return [...r].map((v, i) => out(s, rt[i], v));
    },
    // How an exception ended a call: [name, message, code].
    describe(e) {
      if (e instanceof Error) return [e.constructor.name, e.message, String(e.code ?? '')];
      return ['value', String(e), ''];
    },
    memBuffer: (sid, id) => store(sid).objs[id].buffer,
    memNew: (sid, pages, maximum) => intern(store(sid), new WebAssembly.Memory({ initial: pages, maximum })),
    memGrow(sid, id, delta) {
      try {
        return store(sid).objs[id].grow(delta);
      } catch (e) {
        if (e instanceof RangeError) return -1;
        throw e;
      }
    },
    tableNew: (sid, min) => intern(store(sid), new WebAssembly.Table({ element: 'anyfunc', initial: min })),
    tableSize: (sid, id) => store(sid).objs[id].length,
    tableGrow(sid, id, delta) {
      try {
        return store(sid).objs[id].grow(delta);
      } catch (e) {
        if (e instanceof RangeError) return -1;
        throw e;
      }
    },
    // -1: out of bounds; 0: null.
    tableGet(sid, id, index) {
      const s = store(sid);
      const t = s.objs[id];
      if (index >= t.length) return -1;
      return intern(s, t.get(index));
    },
    tableSet(sid, id, index, fid) {
      const s = store(sid);
      const t = s.objs[id];
      if (index >= t.length) return false;
      t.set(index, s.objs[fid] ?? null);
      return true;
    },
    globalNew(sid, ty, mutable, v) {
      const s = store(sid);
      return intern(s, new WebAssembly.Global({ value: TYPE[ty], mutable }, arg(s, ty, v)));
    },
    globalGet(sid, id, ty) {
      const s = store(sid);
      return out(s, ty, s.objs[id].value);
    },
    globalSet(sid, id, ty, v) {
      const s = store(sid);
      s.objs[id].value = arg(s, ty, v);
    },
    globalType: (sid, id) => LETTER[store(sid).objs[id].type().value],
  };
})()
