//! The host functions of the subset, one arm each, and the fuel they charge.

use super::*;

pub(crate) fn arg<E: Engine>(args: &[Val<E>], i: usize) -> u32 {
    args.get(i).and_then(|v| v.i32()).unwrap_or(0) as u32
}

pub(crate) fn ret<E: Engine>(results: &mut [Val<E>], v: i32) -> Result<(), Trap> {
    if let Some(r) = results.first_mut() {
        *r = Val::I32(v);
    }
    Ok(())
}

/// Result of a string or memory function returning a pointer.
pub(crate) fn ret_ptr<E: Engine>(results: &mut [Val<E>], p: u32) -> Result<(), Trap> {
    ret(results, p as i32)
}

pub(crate) fn heap_call<E: Engine, R>(
    ctx: &mut dyn Ctx<E>,
    f: impl FnOnce(&Allocator, &mut dyn HeapMemory) -> Result<R, Trap>,
) -> Result<R, Trap> {
    let heap = state(ctx).heap;
    let memory = memory(ctx)?;
    // Threads share the heap: its state is in the shared memory.
    let group = dylink::threads::group(ctx);
    let _held = group.as_ref().map(|g| g.heap.lock().unwrap_or_else(|e| e.into_inner()));
    f(&heap, &mut CtxMem { ctx: &mut *ctx, memory })
}

/// `malloc`-style result: the pointer, or 0 with errno ENOMEM.
pub(crate) fn ret_alloc<E: Engine>(ctx: &mut dyn Ctx<E>, results: &mut [Val<E>], p: u32) -> Result<(), Trap> {
    if p == 0 {
        set_errno(ctx, ENOMEM)?;
    }
    ret_ptr(results, p)
}

/// The body of host libc function `name`; `caller` is the importing module (None through a pointer).
pub fn func<E: Engine>(name: &str, caller: Option<ModId>) -> HostFn<E> {
    // The groups' names are disjoint, so the order they are tried in only costs lookups.
    let f: HostFn<E> = stdio_fns(name)
        .or_else(|| printf_fns(name))
        .or_else(|| heap_fns(name))
        .or_else(|| memory_fns(name))
        .or_else(|| string_fns(name))
        .or_else(|| search_fns(name))
        .or_else(|| number_fns(name))
        .or_else(|| process_fns(name, caller))
        .or_else(|| math::func(name))
        .or_else(|| pthread::func(name, caller))
        .unwrap_or_else(|| unreachable!("not a host libc function: {name}"));
    // Host work is charged to the guest's fuel like its own code: a call, plus the bytes a memory
    // function is asked to touch (output is charged where it is written).
    let sized = matches!(name, "memcpy" | "memmove" | "memset" | "memcmp" | "strncmp" | "strncpy");
    Arc::new(move |ctx, a, r| {
        charge(ctx, if sized { arg(a, 2) as u64 } else { 0 })?;
        f(ctx, a, r)
    })
}

/// Unformatted output to the standard streams.
fn stdio_fns<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "puts" => Arc::new(|ctx, a, r| {
            let mut s = cstr(ctx, arg(a, 0))?;
            s.push(b'\n');
            let ok = put(ctx, FILE_OUT, &s, "puts")?;
            ret(r, if ok { 0 } else { -1 })
        }),
        "putchar" => Arc::new(|ctx, a, r| {
            let c = arg(a, 0) as u8;
            emit(ctx, 1, &[c])?;
            ret(r, c as i32)
        }),
        "fputc" | "putc" => Arc::new(|ctx, a, r| {
            let c = arg(a, 0) as u8;
            let ok = put(ctx, arg(a, 1), &[c], "fputc")?;
            ret(r, if ok { c as i32 } else { -1 })
        }),
        "fputs" => Arc::new(|ctx, a, r| {
            let s = cstr(ctx, arg(a, 0))?;
            let ok = put(ctx, arg(a, 1), &s, "fputs")?;
            ret(r, if ok { 0 } else { -1 })
        }),
        "fwrite" => Arc::new(|ctx, a, r| {
            let (ptr, size, n, file) = (arg(a, 0), arg(a, 1), arg(a, 2), arg(a, 3));
            let total = size.checked_mul(n).ok_or_else(|| Trap::Host("fwrite: size overflows".into()))?;
            if total == 0 {
                return ret(r, 0);
            }
            let bytes = read(ctx, ptr, total)?;
            let ok = put(ctx, file, &bytes, "fwrite")?;
            ret(r, if ok { n as i32 } else { 0 })
        }),
        // Output is never buffered by the host.
        "fflush" => Arc::new(|ctx, a, r| {
            if arg(a, 0) != 0 {
                stream(ctx, arg(a, 0), "fflush")?;
            }
            ret(r, 0)
        }),
        _ => return None,
    })
}

/// The printf family: formatted output to a stream or a buffer.
fn printf_fns<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "printf" | "vprintf" => Arc::new(|ctx, a, r| {
            let n = match vformat(ctx, arg(a, 0), arg(a, 1))? {
                Some(out) => {
                    emit(ctx, 1, &out)?;
                    out.len() as i32
                }
                None => -1,
            };
            ret(r, n)
        }),
        "fprintf" | "vfprintf" => Arc::new(|ctx, a, r| {
            let file = arg(a, 0);
            stream(ctx, file, "fprintf")?;
            let n = match vformat(ctx, arg(a, 1), arg(a, 2))? {
                Some(out) if put(ctx, file, &out, "fprintf")? => out.len() as i32,
                _ => -1,
            };
            ret(r, n)
        }),
        "snprintf" | "vsnprintf" => Arc::new(|ctx, a, r| {
            let (buf, size) = (arg(a, 0), arg(a, 1));
            let Some(out) = vformat(ctx, arg(a, 2), arg(a, 3))? else {
                return ret(r, -1);
            };
            if size > 0 {
                let n = out.len().min(size as usize - 1);
                let mut bytes = out[..n].to_vec();
                bytes.push(0);
                write(ctx, buf, &bytes)?;
            }
            ret(r, out.len() as i32)
        }),
        "sprintf" | "vsprintf" => Arc::new(|ctx, a, r| {
            let Some(mut out) = vformat(ctx, arg(a, 1), arg(a, 2))? else {
                return ret(r, -1);
            };
            let n = out.len() as i32;
            out.push(0);
            write(ctx, arg(a, 0), &out)?;
            ret(r, n)
        }),
        _ => return None,
    })
}

/// The allocator's entry points.
fn heap_fns<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "malloc" => Arc::new(|ctx, a, r| {
            let p = heap_call(ctx, |h, m| h.malloc(m, arg(a, 0)))?;
            ret_alloc(ctx, r, p)
        }),
        "calloc" => Arc::new(|ctx, a, r| {
            let p = match arg(a, 0).checked_mul(arg(a, 1)) {
                Some(n) => heap_call(ctx, |h, m| {
                    let p = h.malloc(m, n)?;
                    if p != 0 {
                        m.fill(p, 0, n)?;
                    }
                    Ok(p)
                })?,
                None => 0,
            };
            ret_alloc(ctx, r, p)
        }),
        "realloc" => Arc::new(|ctx, a, r| {
            let (p, n) = (arg(a, 0), arg(a, 1));
            let q = heap_call(ctx, |h, m| h.realloc(m, p, n))?;
            if q == 0 && n != 0 {
                set_errno(ctx, ENOMEM)?;
            }
            ret_ptr(r, q)
        }),
        "free" => Arc::new(|ctx, a, _r| heap_call(ctx, |h, m| h.free(m, arg(a, 0)))),
        "aligned_alloc" => Arc::new(|ctx, a, r| {
            let (align, n) = (arg(a, 0), arg(a, 1));
            if !align.is_power_of_two() {
                set_errno(ctx, EINVAL)?;
                return ret_ptr(r, 0);
            }
            let p = heap_call(ctx, |h, m| h.alloc(m, n, align))?;
            ret_alloc(ctx, r, p)
        }),
        "posix_memalign" => Arc::new(|ctx, a, r| {
            let (out, align, n) = (arg(a, 0), arg(a, 1), arg(a, 2));
            if !align.is_power_of_two() || align < 4 {
                return ret(r, EINVAL);
            }
            let p = heap_call(ctx, |h, m| h.alloc(m, n, align))?;
            if p == 0 {
                return ret(r, ENOMEM);
            }
            write(ctx, out, &p.to_le_bytes())?;
            ret(r, 0)
        }),
        _ => return None,
    })
}

/// Copying, filling and comparing raw bytes.
fn memory_fns<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "memcpy" | "memmove" => Arc::new(|ctx, a, r| {
            let (dst, src, n) = (arg(a, 0), arg(a, 1), arg(a, 2));
            let bytes = read(ctx, src, n)?;
            write(ctx, dst, &bytes)?;
            ret_ptr(r, dst)
        }),
        "memset" => Arc::new(|ctx, a, r| {
            let (dst, c, n) = (arg(a, 0), arg(a, 1) as u8, arg(a, 2));
            in_bounds(ctx, dst, n)?;
            write(ctx, dst, &vec![c; n as usize])?;
            ret_ptr(r, dst)
        }),
        "memcmp" => Arc::new(|ctx, a, r| {
            let n = arg(a, 2);
            let (x, y) = (read(ctx, arg(a, 0), n)?, read(ctx, arg(a, 1), n)?);
            let d = x.iter().zip(&y).find(|(p, q)| p != q).map_or(0, |(p, q)| *p as i32 - *q as i32);
            ret(r, d)
        }),
        _ => return None,
    })
}

/// Measuring, comparing, copying and duplicating C strings.
fn string_fns<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "strlen" => Arc::new(|ctx, a, r| {
            let n = cstr(ctx, arg(a, 0))?.len();
            ret(r, n as i32)
        }),
        "strcmp" => Arc::new(|ctx, a, r| {
            let (x, y) = (cstr(ctx, arg(a, 0))?, cstr(ctx, arg(a, 1))?);
            ret(r, compare(&x, &y, usize::MAX))
        }),
        "strncmp" => Arc::new(|ctx, a, r| {
            let n = arg(a, 2) as usize;
            let (x, y) = (cstr_max(ctx, arg(a, 0), Some(n))?, cstr_max(ctx, arg(a, 1), Some(n))?);
            ret(r, compare(&x, &y, n))
        }),
        "strcpy" => Arc::new(|ctx, a, r| {
            let mut s = cstr(ctx, arg(a, 1))?;
            s.push(0);
            write(ctx, arg(a, 0), &s)?;
            ret_ptr(r, arg(a, 0))
        }),
        "strncpy" => Arc::new(|ctx, a, r| {
            let n = arg(a, 2) as usize;
            let mut s = cstr_max(ctx, arg(a, 1), Some(n))?;
            s.resize(n, 0);
            write(ctx, arg(a, 0), &s)?;
            ret_ptr(r, arg(a, 0))
        }),
        "strcat" => Arc::new(|ctx, a, r| {
            let dst = arg(a, 0);
            let end = dst + cstr(ctx, dst)?.len() as u32;
            let mut s = cstr(ctx, arg(a, 1))?;
            s.push(0);
            write(ctx, end, &s)?;
            ret_ptr(r, dst)
        }),
        "strdup" => Arc::new(|ctx, a, r| {
            let mut s = cstr(ctx, arg(a, 0))?;
            s.push(0);
            let p = heap_call(ctx, |h, m| h.malloc(m, s.len() as u32))?;
            if p != 0 {
                write(ctx, p, &s)?;
            }
            ret_alloc(ctx, r, p)
        }),
        _ => return None,
    })
}

/// Searching strings and bytes.
fn search_fns<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "strchr" | "strrchr" => {
            let last = name == "strrchr";
            Arc::new(move |ctx, a, r| {
                let (s, c) = (arg(a, 0), arg(a, 1) as u8);
                let mut bytes = cstr(ctx, s)?;
                bytes.push(0);
                let at = if last { bytes.iter().rposition(|&b| b == c) } else { bytes.iter().position(|&b| b == c) };
                ret_ptr(r, at.map_or(0, |i| s + i as u32))
            })
        }
        // The length of the prefix made of bytes in (strspn) or not in (strcspn) the set.
        "strspn" | "strcspn" => {
            let inside = name == "strspn";
            Arc::new(move |ctx, a, r| {
                let (s, set) = (cstr(ctx, arg(a, 0))?, cstr(ctx, arg(a, 1))?);
                let n = s.iter().take_while(|c| set.contains(c) == inside).count();
                ret(r, n as i32)
            })
        }
        // Reads no further than the first match, as C allows a size past the object's end.
        "memchr" => Arc::new(|ctx, a, r| {
            let (s, c, n) = (arg(a, 0), arg(a, 1) as u8, arg(a, 2));
            let mut done = 0u32;
            while done < n {
                let chunk = (n - done).min(256);
                let bytes = read(ctx, s.wrapping_add(done), chunk)?;
                if let Some(i) = bytes.iter().position(|&b| b == c) {
                    return ret_ptr(r, s + done + i as u32);
                }
                done += chunk;
            }
            ret_ptr(r, 0)
        }),
        "strstr" => Arc::new(|ctx, a, r| {
            let (h, n) = (arg(a, 0), arg(a, 1));
            let (hay, needle) = (cstr(ctx, h)?, cstr(ctx, n)?);
            let at = if needle.is_empty() {
                Some(0)
            } else {
                hay.windows(needle.len()).position(|w| w == needle.as_slice())
            };
            ret_ptr(r, at.map_or(0, |i| h + i as u32))
        }),
        _ => return None,
    })
}

/// Number parsing and errno.
fn number_fns<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "strtol" | "strtoul" | "strtoll" | "strtoull" | "atoi" => {
            let (signed, bits) = match name {
                "strtol" | "atoi" => (true, 32),
                "strtoul" => (false, 32),
                "strtoll" => (true, 64),
                _ => (false, 64),
            };
            let atoi = name == "atoi";
            Arc::new(move |ctx, a, r| {
                let (s, endp, base) = if atoi { (arg(a, 0), 0, 10) } else { (arg(a, 0), arg(a, 1), arg(a, 2) as i32) };
                let text = cstr(ctx, s)?;
                let parsed = strto(&text, base, signed, bits);
                if endp != 0 {
                    write(ctx, endp, &(s + parsed.end as u32).to_le_bytes())?;
                }
                if let Some(e) = parsed.errno {
                    if !atoi {
                        set_errno(ctx, e)?;
                    }
                }
                match r.first_mut() {
                    Some(slot @ Val::I64(_)) => *slot = Val::I64(parsed.value as i64),
                    Some(slot) => *slot = Val::I32(parsed.value as u32 as i32),
                    None => {}
                }
                Ok(())
            })
        }
        "strerror" => Arc::new(|ctx, a, r| {
            // One copy per memory: a string placed in one domain's heap is not in another's.
            let e = (ctx.host_ref().process.current(), arg(a, 0) as i32);
            let p = match state(ctx).strerror.get(&e) {
                Some(&p) => p,
                None => {
                    let mut msg = strerror_message(e.1).as_bytes().to_vec();
                    msg.push(0);
                    let p = alloc(ctx, msg.len() as u32, 1)?;
                    write(ctx, p, &msg)?;
                    state(ctx).strerror.insert(e, p);
                    p
                }
            };
            ret_ptr(r, p)
        }),
        "__errno_location" => Arc::new(|_ctx, _a, r| ret_ptr(r, ERRNO)),
        _ => return None,
    })
}

/// Callbacks through the caller's table, and leaving the process.
fn process_fns<E: Engine>(name: &str, caller: Option<ModId>) -> Option<HostFn<E>> {
    Some(match name {
        "qsort" => Arc::new(move |ctx, a, _r| {
            let (base, n, size, cmp) = (arg(a, 0), arg(a, 1), arg(a, 2), arg(a, 3));
            let table = table_of(ctx, caller);
            qsort(ctx, base, n, size, table, cmp)
        }),
        "atexit" => Arc::new(move |ctx, a, r| {
            let table = table_of(ctx, caller);
            let domain = ctx.host_ref().process.current();
            state(ctx).atexit.push((table, arg(a, 0), domain));
            ret(r, 0)
        }),
        "exit" => Arc::new(|ctx, a, _r| {
            run_atexit(ctx)?;
            Err(Trap::Exit(arg(a, 0) as i32))
        }),
        "_Exit" => Arc::new(|_ctx, a, _r| Err(Trap::Exit(arg(a, 0) as i32))),
        "abort" => Arc::new(|_ctx, _a, _r| Err(Trap::Host("abort() called".into()))),
        _ => return None,
    })
}

/// Fuel for host work on `bytes` bytes: one unit per call and per 8 bytes, about what the guest's
/// own word-at-a-time loop would burn.
pub(crate) fn charge<E: Engine>(ctx: &mut dyn Ctx<E>, bytes: u64) -> Result<(), Trap> {
    ctx.consume_fuel(1 + bytes / 8)
}
