//! The host libc's allocator. Every bit of its state lives in linear memory, so it survives any
//! module's calls and any module may free what another allocated; the host keeps only the address
//! of the root.
//!
//! Layout: a root of four words (`free` list head, `end` sentinel header, heap `start`, a magic),
//! then contiguous blocks from `start` to `end`. A block is an 8-byte header (its size with bit 0
//! set while in use, then the previous block's size) followed by its payload; headers sit at 8 mod
//! 16, so payloads are 16-aligned, and sizes are multiples of 16. A free block keeps the next and
//! previous free payloads in its first two payload words (a doubly linked first-fit list); free
//! neighbours are always merged. The sentinel is a used header of size 0 at the end of memory; the
//! heap grows by growing memory and moving the sentinel.

use dylink::engine::Trap;

/// What the allocator needs from a linear memory (the process memory, or a test's `Vec<u8>`).
pub trait HeapMemory {
    fn load(&mut self, addr: u32) -> Result<u32, Trap>;
    fn store(&mut self, addr: u32, v: u32) -> Result<(), Trap>;
    /// Size in bytes (a multiple of 64 KiB).
    fn size(&mut self) -> u64;
    /// Grows by `pages` 64 KiB pages; false when the memory cannot grow.
    fn grow(&mut self, pages: u32) -> Result<bool, Trap>;
    fn copy(&mut self, dst: u32, src: u32, len: u32) -> Result<(), Trap>;
    fn fill(&mut self, dst: u32, byte: u8, len: u32) -> Result<(), Trap>;
}

const PAGE: u64 = 65536;
const USED: u32 = 1;
const HEADER: u32 = 8;
/// The smallest block: a header and the two free-list links.
const MIN_BLOCK: u32 = 16;
/// The alignment of every payload (wasm32's max_align_t).
pub const MIN_ALIGN: u32 = 16;
const MAGIC: u32 = 0x6c68_6170; // "palh"
/// Requests above this fail (ENOMEM) instead of growing memory to 4 GiB.
const MAX_REQUEST: u32 = 0x7fff_0000;

// Root words.
const FREE: u32 = 0;
const END: u32 = 4;
const START: u32 = 8;
const CHECK: u32 = 12;
/// Bytes the root takes in memory.
pub const ROOT_SIZE: u32 = 16;

/// Blocks as (payload address, capacity).
pub type Blocks = Vec<(u32, u32)>;

/// The allocator: only the address of its root, which lives in linear memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocator {
    pub root: u32,
}

fn corrupt(what: impl std::fmt::Display) -> Trap {
    Trap::Host(format!("heap corrupted: {what}"))
}

fn round_up(v: u64, to: u64) -> u64 {
    v.div_ceil(to) * to
}

/// Block size for a request of `n` payload bytes; `None` when too large.
fn block_size(n: u32) -> Option<u32> {
    if n > MAX_REQUEST {
        return None;
    }
    Some((round_up(n as u64 + HEADER as u64, MIN_ALIGN as u64) as u32).max(MIN_BLOCK))
}

impl Allocator {
    /// Sets up an empty heap from `heap_start` to the end of memory, with its root at `root`
    /// (`ROOT_SIZE` bytes the caller reserved below the heap).
    pub fn init(m: &mut dyn HeapMemory, root: u32, heap_start: u32) -> Result<Allocator, Trap> {
        let a = Allocator { root };
        let start = (round_up(heap_start as u64 + HEADER as u64, MIN_ALIGN as u64) - HEADER as u64) as u32;
        let end = (m.size() - HEADER as u64) as u32;
        if (end as u64) < start as u64 {
            return Err(Trap::Host("no room for a heap".into()));
        }
        m.store(root + START, start)?;
        m.store(root + FREE, 0)?;
        m.store(root + CHECK, MAGIC)?;
        if end - start >= MIN_BLOCK {
            a.set_header(m, start, end - start, false, 0)?;
            a.set_header(m, end, 0, true, end - start)?;
            m.store(root + END, end)?;
            a.push_free(m, start)?;
        } else {
            // Too small for a block: the sentinel sits at the start; the first malloc grows memory.
            a.set_header(m, start, 0, true, 0)?;
            m.store(root + END, start)?;
        }
        Ok(a)
    }

    fn start(&self, m: &mut dyn HeapMemory) -> Result<u32, Trap> {
        if m.load(self.root + CHECK)? != MAGIC {
            return Err(corrupt("the allocator's root was overwritten"));
        }
        m.load(self.root + START)
    }

    fn end(&self, m: &mut dyn HeapMemory) -> Result<u32, Trap> {
        m.load(self.root + END)
    }

    fn set_header(&self, m: &mut dyn HeapMemory, h: u32, size: u32, used: bool, prev: u32) -> Result<(), Trap> {
        m.store(h, size | used as u32)?;
        m.store(h + 4, prev)
    }

    /// (size, used) of the block at `h`, checked to lie inside the heap.
    fn header(&self, m: &mut dyn HeapMemory, h: u32) -> Result<(u32, bool), Trap> {
        let word = m.load(h)?;
        let (size, used) = (word & !(MIN_ALIGN - 1), word & USED != 0);
        let end = self.end(m)?;
        if h != end && (size < MIN_BLOCK || h as u64 + size as u64 > end as u64) {
            return Err(corrupt(format!("block at {h:#x} has size {size}")));
        }
        Ok((size, used))
    }

    fn link_next(m: &mut dyn HeapMemory, h: u32) -> Result<u32, Trap> {
        m.load(h + HEADER)
    }
    fn link_prev(m: &mut dyn HeapMemory, h: u32) -> Result<u32, Trap> {
        m.load(h + HEADER + 4)
    }
    fn set_links(m: &mut dyn HeapMemory, h: u32, next: u32, prev: u32) -> Result<(), Trap> {
        m.store(h + HEADER, next)?;
        m.store(h + HEADER + 4, prev)
    }

    /// Free-list links hold header addresses (0 = none).
    fn push_free(&self, m: &mut dyn HeapMemory, h: u32) -> Result<(), Trap> {
        let head = m.load(self.root + FREE)?;
        Self::set_links(m, h, head, 0)?;
        if head != 0 {
            m.store(head + HEADER + 4, h)?;
        }
        m.store(self.root + FREE, h)
    }

    fn unlink_free(&self, m: &mut dyn HeapMemory, h: u32) -> Result<(), Trap> {
        let (next, prev) = (Self::link_next(m, h)?, Self::link_prev(m, h)?);
        if prev == 0 {
            if m.load(self.root + FREE)? != h {
                return Err(corrupt(format!("free block {h:#x} is not in the free list")));
            }
            m.store(self.root + FREE, next)?;
        } else {
            m.store(prev + HEADER, next)?;
        }
        if next != 0 {
            m.store(next + HEADER + 4, prev)?;
        }
        Ok(())
    }

    /// Sets the "previous size" word of the block after `h` (which has size `size`).
    fn set_next_prev(&self, m: &mut dyn HeapMemory, h: u32, size: u32) -> Result<(), Trap> {
        m.store(h + size + 4, size)
    }

    /// Marks `[h, h+size)` free, merged with free neighbours, and lists it.
    fn release(&self, m: &mut dyn HeapMemory, mut h: u32, mut size: u32) -> Result<(), Trap> {
        let next = h + size;
        let (nsize, nused) = self.header(m, next)?;
        if !nused {
            self.unlink_free(m, next)?;
            size += nsize;
        }
        let prev_size = m.load(h + 4)?;
        if prev_size != 0 {
            let p =
                h.checked_sub(prev_size).ok_or_else(|| corrupt(format!("block at {h:#x} has a bad predecessor")))?;
            let (psize, pused) = self.header(m, p)?;
            if psize != prev_size {
                return Err(corrupt(format!("block at {h:#x} disagrees with its predecessor")));
            }
            if !pused {
                self.unlink_free(m, p)?;
                h = p;
                size += psize;
            }
        }
        let before = m.load(h + 4)?;
        self.set_header(m, h, size, false, before)?;
        self.set_next_prev(m, h, size)?;
        self.push_free(m, h)
    }

    /// Takes the free block `h` (already unlinked) of `size` for a block of `need`, splitting off the rest.
    fn occupy(&self, m: &mut dyn HeapMemory, h: u32, size: u32, need: u32) -> Result<u32, Trap> {
        let prev = m.load(h + 4)?;
        if size - need >= MIN_BLOCK {
            self.set_header(m, h, need, true, prev)?;
            let rest = h + need;
            self.set_header(m, rest, size - need, false, need)?;
            self.set_next_prev(m, rest, size - need)?;
            self.push_free(m, rest)?;
        } else {
            self.set_header(m, h, size, true, prev)?;
        }
        Ok(h + HEADER)
    }

    /// Where a payload aligned to `align` with a block of `need` bytes fits in the free block
    /// `[h, h+size)`: the payload address, leaving either no gap or a gap that is a block itself.
    fn fit(h: u32, size: u32, need: u32, align: u32) -> Option<u32> {
        let p0 = h as u64 + HEADER as u64;
        let mut p = round_up(p0, align as u64);
        if p != p0 && p - p0 < MIN_BLOCK as u64 {
            p = round_up(p0 + MIN_BLOCK as u64, align as u64);
        }
        (p - HEADER as u64 + need as u64 <= h as u64 + size as u64).then_some(p as u32)
    }

    /// First fit in the free list; `None` when nothing fits.
    fn find(&self, m: &mut dyn HeapMemory, need: u32, align: u32) -> Result<Option<(u32, u32, u32)>, Trap> {
        let mut h = m.load(self.root + FREE)?;
        let mut steps: u64 = 0;
        let limit = m.size() / MIN_BLOCK as u64 + 1;
        while h != 0 {
            steps += 1;
            if steps > limit {
                return Err(corrupt("the free list has a cycle"));
            }
            let (size, used) = self.header(m, h)?;
            if used {
                return Err(corrupt(format!("block {h:#x} in the free list is in use")));
            }
            if let Some(p) = Self::fit(h, size, need, align) {
                return Ok(Some((h, size, p)));
            }
            h = Self::link_next(m, h)?;
        }
        Ok(None)
    }

    /// Grows memory so that a block of `need` (aligned to `align`) fits at the end; false when memory cannot grow.
    fn grow(&self, m: &mut dyn HeapMemory, need: u32, align: u32) -> Result<bool, Trap> {
        let end = self.end(m)?;
        let last_size = m.load(end + 4)?;
        let mut have = 0u64;
        if last_size != 0 {
            let (_, used) = self.header(m, end - last_size)?;
            if !used {
                have = last_size as u64;
            }
        }
        let want = need as u64 + align.max(MIN_ALIGN) as u64 + MIN_BLOCK as u64 + HEADER as u64;
        let extra = want.saturating_sub(have).max(1);
        let pages = round_up(extra, PAGE) / PAGE;
        if m.size() + pages * PAGE > 1 << 32 || !m.grow(pages as u32)? {
            return Ok(false);
        }
        let new_end = (m.size() - HEADER as u64) as u32;
        let size = new_end - end;
        // The old sentinel becomes a used block, then is released (merging with a free last block).
        self.set_header(m, new_end, 0, true, size)?;
        m.store(end, size | USED)?;
        m.store(self.root + END, new_end)?;
        self.release(m, end, size)?;
        Ok(true)
    }

    /// `aligned_alloc`: a payload of `n` bytes aligned to `align` (a power of two); 0 when out of memory.
    pub fn alloc(&self, m: &mut dyn HeapMemory, n: u32, align: u32) -> Result<u32, Trap> {
        let align = align.max(MIN_ALIGN);
        if !align.is_power_of_two() {
            return Ok(0);
        }
        self.start(m)?;
        let Some(need) = block_size(n) else {
            return Ok(0);
        };
        for _ in 0..2 {
            if let Some((h, size, p)) = self.find(m, need, align)? {
                self.unlink_free(m, h)?;
                let at = p - HEADER;
                if at == h {
                    return self.occupy(m, h, size, need);
                }
                // A leading gap of at least MIN_BLOCK goes back to the free list.
                let lead = at - h;
                let prev = m.load(h + 4)?;
                self.set_header(m, h, lead, false, prev)?;
                self.push_free(m, h)?;
                self.set_header(m, at, size - lead, false, lead)?;
                self.set_next_prev(m, at, size - lead)?;
                return self.occupy(m, at, size - lead, need);
            }
            if !self.grow(m, need, align)? {
                return Ok(0);
            }
        }
        Ok(0)
    }

    pub fn malloc(&self, m: &mut dyn HeapMemory, n: u32) -> Result<u32, Trap> {
        self.alloc(m, n, MIN_ALIGN)
    }

    /// The block header of payload `p`, checked to be a block in use.
    fn owned(&self, m: &mut dyn HeapMemory, p: u32, what: &str) -> Result<(u32, u32), Trap> {
        let start = self.start(m)?;
        let end = self.end(m)?;
        let invalid = || Trap::Host(format!("{what}(): invalid pointer {p:#x}"));
        if !p.is_multiple_of(MIN_ALIGN) || p < start + HEADER || p >= end {
            return Err(invalid());
        }
        let h = p - HEADER;
        let word = m.load(h)?;
        let size = word & !(MIN_ALIGN - 1);
        if word & USED == 0 {
            return Err(Trap::Host(format!("{what}(): double free or invalid pointer {p:#x}")));
        }
        if size < MIN_BLOCK || h as u64 + size as u64 > end as u64 || m.load(h + size + 4)? != size {
            return Err(invalid());
        }
        Ok((h, size))
    }

    pub fn free(&self, m: &mut dyn HeapMemory, p: u32) -> Result<(), Trap> {
        if p == 0 {
            return Ok(());
        }
        let (h, size) = self.owned(m, p, "free")?;
        self.release(m, h, size)
    }

    /// Bytes usable at payload `p` (at least what was asked for).
    pub fn usable(&self, m: &mut dyn HeapMemory, p: u32) -> Result<u32, Trap> {
        Ok(self.owned(m, p, "usable")?.1 - HEADER)
    }

    pub fn realloc(&self, m: &mut dyn HeapMemory, p: u32, n: u32) -> Result<u32, Trap> {
        if p == 0 {
            return self.malloc(m, n);
        }
        let (h, size) = self.owned(m, p, "realloc")?;
        if n == 0 {
            self.release(m, h, size)?;
            return Ok(0);
        }
        let Some(need) = block_size(n) else {
            return Ok(0);
        };
        let mut have = size;
        if have < need {
            let (nsize, nused) = self.header(m, h + size)?;
            if !nused && size + nsize >= need {
                self.unlink_free(m, h + size)?;
                have = size + nsize;
                let prev = m.load(h + 4)?;
                self.set_header(m, h, have, true, prev)?;
                self.set_next_prev(m, h, have)?;
            }
        }
        if have >= need {
            if have - need >= MIN_BLOCK {
                let prev = m.load(h + 4)?;
                self.set_header(m, h, need, true, prev)?;
                let rest = h + need;
                self.set_header(m, rest, have - need, true, need)?;
                self.set_next_prev(m, rest, have - need)?;
                self.release(m, rest, have - need)?;
            }
            return Ok(p);
        }
        let q = self.malloc(m, n)?;
        if q == 0 {
            return Ok(0);
        }
        m.copy(q, p, (size - HEADER).min(n))?;
        self.free(m, p)?;
        Ok(q)
    }

    /// Walks every block, checking the invariants; returns (used blocks, free blocks) as (payload, capacity).
    pub fn check(&self, m: &mut dyn HeapMemory) -> Result<(Blocks, Blocks), Trap> {
        let (start, end) = (self.start(m)?, self.end(m)?);
        let (mut used, mut free) = (Vec::new(), Vec::new());
        let (mut h, mut prev, mut prev_free) = (start, 0u32, false);
        while h < end {
            let (size, u) = self.header(m, h)?;
            if m.load(h + 4)? != prev {
                return Err(corrupt(format!("block {h:#x}: previous size {} != {prev}", m.load(h + 4)?)));
            }
            if !u && prev_free {
                return Err(corrupt(format!("free block {h:#x} follows a free block")));
            }
            if u { &mut used } else { &mut free }.push((h + HEADER, size - HEADER));
            prev_free = !u;
            prev = size;
            h += size;
        }
        if h != end || m.load(end + 4)? != prev || m.load(end)? != USED {
            return Err(corrupt("the blocks do not end at the sentinel"));
        }
        let mut listed = Vec::new();
        let mut f = m.load(self.root + FREE)?;
        while f != 0 && listed.len() <= free.len() {
            listed.push((f + HEADER, self.header(m, f)?.0 - HEADER));
            f = Self::link_next(m, f)?;
        }
        listed.sort();
        let mut walked = free.clone();
        walked.sort();
        if listed != walked {
            return Err(corrupt("the free list and the free blocks differ"));
        }
        Ok((used, free))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A linear memory in a Vec, growing up to `max_pages`.
    struct VecMem {
        bytes: Vec<u8>,
        max_pages: u64,
    }

    impl HeapMemory for VecMem {
        fn load(&mut self, addr: u32) -> Result<u32, Trap> {
            let a = addr as usize;
            let b = self.bytes.get(a..a + 4).ok_or(Trap::Host(format!("load {addr:#x} out of bounds")))?;
            Ok(u32::from_le_bytes(b.try_into().unwrap()))
        }
        fn store(&mut self, addr: u32, v: u32) -> Result<(), Trap> {
            let a = addr as usize;
            let b = self.bytes.get_mut(a..a + 4).ok_or(Trap::Host(format!("store {addr:#x} out of bounds")))?;
            b.copy_from_slice(&v.to_le_bytes());
            Ok(())
        }
        fn size(&mut self) -> u64 {
            self.bytes.len() as u64
        }
        fn grow(&mut self, pages: u32) -> Result<bool, Trap> {
            if self.bytes.len() as u64 / PAGE + pages as u64 > self.max_pages {
                return Ok(false);
            }
            self.bytes.resize(self.bytes.len() + pages as usize * PAGE as usize, 0);
            Ok(true)
        }
        fn copy(&mut self, dst: u32, src: u32, len: u32) -> Result<(), Trap> {
            self.bytes.copy_within(src as usize..(src + len) as usize, dst as usize);
            Ok(())
        }
        fn fill(&mut self, dst: u32, byte: u8, len: u32) -> Result<(), Trap> {
            self.bytes[dst as usize..(dst + len) as usize].fill(byte);
            Ok(())
        }
    }

    fn heap(pages: u64, max_pages: u64) -> (VecMem, Allocator) {
        let mut m = VecMem { bytes: vec![0; (pages * PAGE) as usize], max_pages };
        let a = Allocator::init(&mut m, 0x100, 0x100 + ROOT_SIZE).unwrap();
        (m, a)
    }

    #[derive(Clone, Debug)]
    enum Op {
        Malloc(u32),
        Aligned(u32, u32),
        Realloc(usize, u32),
        Free(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u32..3000).prop_map(Op::Malloc),
            1 => (5u32..15, 0u32..3000).prop_map(|(l, n)| Op::Aligned(1 << l, n)),
            2 => (any::<usize>(), 0u32..5000).prop_map(|(i, n)| Op::Realloc(i, n)),
            3 => any::<usize>().prop_map(Op::Free),
            1 => (60_000u32..200_000).prop_map(Op::Malloc),
        ]
    }

    /// Live blocks: (payload, requested size, fill byte).
    fn verify(m: &mut VecMem, a: &Allocator, live: &[(u32, u32, u8)]) {
        let (used, _) = a.check(m).expect("heap invariants hold");
        assert_eq!(used.len(), live.len(), "one used block per live allocation");
        let mut spans: Vec<(u32, u32)> = live.iter().map(|&(p, n, _)| (p, n)).collect();
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[0].0 + w[0].1 <= w[1].0, "blocks overlap: {:?} and {:?}", w[0], w[1]);
        }
        for &(p, n, byte) in live {
            assert!(p as u64 + n as u64 <= m.size(), "block {p:#x}+{n} outside memory");
            assert!(p as usize >= 0x100 + ROOT_SIZE as usize, "block {p:#x} overlaps the root");
            assert!(m.bytes[p as usize..(p + n) as usize].iter().all(|&b| b == byte), "block {p:#x} lost its contents");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Random malloc/aligned_alloc/realloc/free sequences: blocks never overlap, are aligned,
        /// keep their contents (through realloc too), and the heap's invariants hold after every step.
        #[test]
        fn blocks_never_overlap_and_keep_contents(ops in proptest::collection::vec(op(), 1..120)) {
            let (mut m, a) = heap(1, 64);
            let mut live: Vec<(u32, u32, u8)> = Vec::new();
            let mut next_byte = 1u8;
            for op in ops {
                let byte = next_byte;
                next_byte = next_byte.wrapping_add(1).max(1);
                match op {
                    Op::Malloc(n) | Op::Aligned(_, n) => {
                        let align = if let Op::Aligned(al, _) = op { al } else { MIN_ALIGN };
                        let p = a.alloc(&mut m, n, align).unwrap();
                        if p == 0 {
                            continue; // out of memory: allowed, nothing changed
                        }
                        prop_assert_eq!(p % align, 0);
                        prop_assert!(a.usable(&mut m, p).unwrap() >= n);
                        m.fill(p, byte, n).unwrap();
                        live.push((p, n, byte));
                    }
                    Op::Realloc(i, n) if !live.is_empty() => {
                        let i = i % live.len();
                        let (p, old, old_byte) = live[i];
                        let q = a.realloc(&mut m, p, n).unwrap();
                        if n == 0 {
                            prop_assert_eq!(q, 0);
                            live.remove(i);
                        } else if q == 0 {
                            // out of memory: the old block is untouched
                        } else {
                            prop_assert_eq!(q % MIN_ALIGN, 0);
                            let keep = old.min(n);
                            prop_assert!(m.bytes[q as usize..(q + keep) as usize].iter().all(|&b| b == old_byte), "realloc lost the contents");
                            m.fill(q, byte, n).unwrap();
                            live[i] = (q, n, byte);
                        }
                    }
                    Op::Free(i) if !live.is_empty() => {
                        let (p, _, _) = live.remove(i % live.len());
                        a.free(&mut m, p).unwrap();
                    }
                    _ => {}
                }
                verify(&mut m, &a, &live);
            }
            for (p, _, _) in live.drain(..) {
                a.free(&mut m, p).unwrap();
            }
            let (used, free) = a.check(&mut m).unwrap();
            prop_assert!(used.is_empty());
            prop_assert_eq!(free.len(), 1, "everything freed merges back into one block");
        }
    }

    #[test]
    fn double_free_and_foreign_pointers_trap() {
        let (mut m, a) = heap(1, 4);
        let p = a.malloc(&mut m, 10).unwrap();
        a.free(&mut m, p).unwrap();
        assert!(matches!(a.free(&mut m, p), Err(Trap::Host(msg)) if msg.contains("double free")));
        assert!(a.free(&mut m, p + 16).is_err());
        assert!(a.free(&mut m, 3).is_err());
        assert!(a.realloc(&mut m, 0x50, 4).is_err());
    }

    #[test]
    fn out_of_memory_returns_null() {
        let (mut m, a) = heap(1, 2);
        assert_eq!(a.malloc(&mut m, 200_000).unwrap(), 0);
        assert_eq!(a.malloc(&mut m, u32::MAX).unwrap(), 0);
        assert_eq!(a.alloc(&mut m, 16, 48).unwrap(), 0, "alignment not a power of two");
        let p = a.malloc(&mut m, 100_000).unwrap();
        assert_ne!(p, 0, "grows into the second page");
        a.check(&mut m).unwrap();
    }

    #[test]
    fn large_alignment() {
        let (mut m, a) = heap(1, 8);
        for align in [32, 1024, 4096, 65536] {
            let p = a.alloc(&mut m, 100, align).unwrap();
            assert_ne!(p, 0);
            assert_eq!(p % align, 0);
        }
        a.check(&mut m).unwrap();
    }
}
