"""Exact batched linear assignment (shortest augmenting path, Jonker-Volgenant).

The numba kernels solve many small square problems in one compiled call. The
solver is the algorithm of :func:`scipy.optimize.linear_sum_assignment`
(Crouse, 2016) written for a stack of ``k x k`` blocks, so a batch of blocks
costs one call instead of one Python-level call per block; its column scans
are branch-free. :func:`_match_rows` also builds each block's cost from row
indices of the features inside the same compiled loop (the per-batch step of
k-mixup: no gathered copies, no cost stack). For blocks of 4 x 4 to
32 x 32, padded with infinity to a width of :data:`SEARCH_WIDTHS` (8, 16,
32), the solver's start and its searches keep the block's column state in
vector registers (LLVM IR written with llvmlite, :func:`_make_search`,
:func:`_make_reduce`): the same steps, the same pairs, a third to a half
less time per block.
"""

import numpy as np

from ._backend import host_scale
from ._metrics import get_metric

try:  # pragma: no cover - exercised implicitly on every machine with numba
    import numba
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    _njit = numba.njit(cache=True, nogil=True)
    # The solver is inlined into its callers: a call passing its eleven
    # arrays costs about as much as solving a 4 x 4 block.
    _njit_inline = numba.njit(cache=True, nogil=True, inline="always")
    HAS_NUMBA = True
except ImportError:  # pragma: no cover - fallback when numba cannot be installed
    HAS_NUMBA = False

    def _njit(func):
        return func

    _njit_inline = _njit


if HAS_NUMBA:

    @intrinsic
    def _prefetch(typingctx, arr, row, col):
        """Ask the CPU to bring the cache line of ``arr[row, col]`` (a 2-d
        array) closer: LLVM's ``llvm.prefetch`` (read, kept in all cache
        levels). A hint: it never faults and changes no value."""

        def codegen(context, builder, signature, args):
            aryty = signature.args[0]
            ary, r, c = args
            array = context.make_array(aryty)(context, builder, ary)
            ptr = cgutils.get_item_pointer(
                context, builder, aryty, array, [r, c], wraparound=False
            )
            i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
            fn = builder.module.declare_intrinsic("llvm.prefetch", [i8p], fnty)
            builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
            return context.get_dummy_value()

        return types.void(arr, row, col), codegen

else:  # pragma: no cover

    def _prefetch(arr, row, col):
        pass


#: Vector widths of the register kernels (:func:`_make_search`,
#: :func:`_make_reduce`); a block from :data:`_MIN_REGISTER_K` to 32 is
#: padded to the next one, other sizes take the loops of :func:`_make_solver`.
SEARCH_WIDTHS = (8, 16, 32)

if HAS_NUMBA:

    def _ir_pointers(context, builder, signature, args, names):
        """``ptr(name, index)``: the element pointer of the array argument
        ``name`` (in the order of ``names``) at ``index`` (no wraparound)."""
        tys = dict(zip(names, signature.args))
        arrays = {
            n: context.make_array(tys[n])(context, builder, a)
            for n, a in zip(names, args)
        }

        def ptr(name, index):
            return cgutils.get_item_pointer(
                context, builder, tys[name], arrays[name], index, wraparound=False
            )

        return ptr

    def _ir_splat(builder, value, width):
        """A vector of ``width`` copies of ``value`` (LLVM IR)."""
        vty = ir.VectorType(value.type, width)
        undef = ir.Constant(vty, ir.Undefined)
        lane0 = builder.insert_element(undef, value, ir.IntType(32)(0))
        zeros = ir.Constant(ir.VectorType(ir.IntType(32), width), [0] * width)
        return builder.shuffle_vector(lane0, undef, zeros)

    def _ir_load(builder, pointer, vty):
        """Load ``vty`` from ``pointer``, an element pointer (aligned to its
        element), as doubles if ``vty`` holds floats (exact)."""
        value = builder.load(builder.bitcast(pointer, vty.as_pointer()))
        single = isinstance(vty.element, ir.FloatType)
        value.align = 4 if single else 8
        if single:
            value = builder.fpext(value, ir.VectorType(ir.DoubleType(), vty.count))
        return value

    def _ir_min(builder, x, width):
        """The least lane of ``x`` (no NaN in it), halving the vector each
        round. Every order gives the same least value."""
        i32 = ir.IntType(32)
        while width > 1:
            half = width // 2
            lo, hi = (
                builder.shuffle_vector(
                    x, x, ir.Constant(ir.VectorType(i32, half), list(lanes))
                )
                for lanes in (range(half), range(half, width))
            )
            x = builder.select(builder.fcmp_ordered("<", lo, hi), lo, hi)
            width = half
        return builder.extract_element(x, i32(0))

    def _ir_last_least(builder, m, lowest, width):
        """The last lane of ``m`` equal to ``lowest``, as an i64 (a lane
        equals it: ``lowest`` is the least lane)."""
        i64 = ir.IntType(64)
        eq = builder.fcmp_ordered("==", m, _ir_splat(builder, lowest, width))
        bits = builder.zext(builder.bitcast(eq, ir.IntType(width)), i64)
        bits = builder.or_(bits, i64(1))  # lane 0 if none (cannot be): in bounds
        fnty = ir.FunctionType(i64, [i64, ir.IntType(1)])
        ctlz = builder.module.declare_intrinsic("llvm.ctlz", [i64], fnty)
        return builder.sub(i64(63), builder.call(ctlz, [bits, ir.IntType(1)(0)]))

    def _search_step(builder, ptr, state, width, c_row):
        """One Dijkstra step of :func:`_make_search` (the scan of the loop in
        :func:`_make_solver`, with done columns at ``m = inf`` and
        ``w = -inf`` instead of a mask): returns the new ``m``, ``p`` and
        the least reduced cost. ``c_row`` is the vector type of a row of
        ``c`` (float32 rows are widened exactly, as the loop widens them)."""
        step, i, min_val, m, w, p = state
        builder.store(i, ptr("sr", [step]))
        c_i = _ir_load(builder, ptr("c", [i, ir.IntType(64)(0)]), c_row)
        base = builder.fsub(min_val, builder.load(ptr("u", [i])))
        # (base + c_ij) - v_j, in the loop's order: the same rounding.
        r = builder.fsub(builder.fadd(_ir_splat(builder, base, width), c_i), w)
        better = builder.fcmp_ordered("<", r, m)  # False on done columns
        m = builder.select(better, r, m)
        p = builder.select(better, _ir_splat(builder, i, width), p)
        return m, p, _ir_min(builder, m, width)

    def _make_search(width):
        """Compile one shortest augmenting path search for ``width x width``
        blocks with its column state in vector registers.

        The intrinsic ``search(c, u, v, row4col, shortest, path, sr, sc,
        cur_row)`` returns ``(sink, n_steps, min_val)`` as the loop of
        :func:`_make_solver` leaves them (``sink = -1``: a row cannot be
        assigned) and writes the same ``path``, ``sr``, ``sc`` and the
        ``shortest`` entries of the columns it closes: it is that loop, step
        for step and bit for bit. The loop keeps the column state in arrays,
        so each step stores it and loads it back; here it stays in registers
        and a step is a few vector instructions: on random blocks the solver
        took 27-34% less time (k = 8, 16, 32), 36-43% with
        :func:`_make_reduce`, and padded blocks of 4 to 31 gain as much
        (16-55%). A padded lane has infinite cost and is never chosen
        (its reduced cost is NaN or infinite). Lanes are picked by
        comparisons with a lane-number vector, as lanes chosen by a variable
        index go through memory.
        """

        @intrinsic
        def search(typingctx, c, u, v, row4col, shortest, path, sr, sc, cur_row):
            if not _typed_block(c, (u, v, shortest), (row4col, path, sr, sc)):
                return None
            f64, i64 = types.float64, types.int64
            sig = types.Tuple((i64, i64, f64))(
                c, u, v, row4col, shortest, path, sr, sc, cur_row
            )
            return sig, lambda *a: _search_codegen(width, *a)

        return search

    def _search_codegen(width, context, builder, signature, args):
        """The IR of :func:`_make_search`'s intrinsic: at most ``width``
        steps (a finite block reaches a free column within them), every
        index inside its array."""
        names = ("c", "u", "v", "row4col", "shortest", "path", "sr", "sc")
        ptr = _ir_pointers(context, builder, signature, args, names)

        f64, i64 = ir.DoubleType(), ir.IntType(64)
        vd, vi = ir.VectorType(f64, width), ir.VectorType(i64, width)
        inf = f64(float("inf"))
        fn = builder.function
        loop, found, taken, free, fail, out = (
            fn.append_basic_block(f"search.{n}")
            for n in ("loop", "found", "taken", "free", "fail", "out")
        )
        first = (
            i64(0),
            args[8],
            f64(0.0),
            ir.Constant(vd, [float("inf")] * width),
            _ir_load(builder, ptr("v", [i64(0)]), vd),
            ir.Constant(vi, [-1] * width),
        )
        entry = builder.block
        builder.branch(loop)
        builder.position_at_end(loop)
        state = [builder.phi(x.type) for x in (i64(0), i64(0), f64(0.0))]
        state += [builder.phi(vd), builder.phi(vd), builder.phi(vi)]
        for node, value in zip(state, first):
            node.add_incoming(value, entry)
        step, w = state[0], state[4]
        c_row = ir.VectorType(context.get_data_type(signature.args[0].dtype), width)
        m, p, lowest = _search_step(builder, ptr, state, width, c_row)
        builder.cbranch(builder.fcmp_ordered("<", lowest, inf), found, fail)
        builder.position_at_end(found)  # a finite least entry: its path is set
        index = _ir_last_least(builder, m, lowest, width)
        builder.store(lowest, ptr("shortest", [index]))
        builder.store(index, ptr("sc", [step]))
        hit = builder.icmp_signed(
            "==", ir.Constant(vi, list(range(width))), _ir_splat(builder, index, width)
        )
        m_next = builder.select(hit, _ir_splat(builder, inf, width), m)
        w_next = builder.select(hit, _ir_splat(builder, f64(float("-inf")), width), w)
        steps = builder.add(step, i64(1))
        row = builder.load(ptr("row4col", [index]))
        builder.cbranch(builder.icmp_signed("==", row, i64(-1)), free, taken)
        builder.position_at_end(taken)
        inside = fn.append_basic_block("search.inside")
        # a row of the block (an unsigned compare rejects the negatives):
        # whatever row4col holds, the next row read stays inside ``c``
        builder.cbranch(builder.icmp_unsigned("<", row, i64(width)), inside, fail)
        builder.position_at_end(inside)
        for node, value in zip(state, (steps, row, lowest, m_next, w_next, p)):
            node.add_incoming(value, inside)
        builder.cbranch(builder.icmp_signed("<", steps, i64(width)), loop, fail)
        builder.position_at_end(free)
        stored = builder.store(
            p, builder.bitcast(ptr("path", [i64(0)]), vi.as_pointer())
        )
        stored.align = 8
        builder.branch(out)
        builder.position_at_end(fail)
        builder.branch(out)
        builder.position_at_end(out)
        result = []
        for mine, failed in ((index, i64(-1)), (steps, i64(0)), (lowest, f64(0.0))):
            node = builder.phi(mine.type)
            node.add_incoming(mine, free)
            node.add_incoming(failed, fail)
            result.append(node)
        return context.make_tuple(builder, signature.return_type, result)

    def _typed_block(c, vectors, indices):
        """Whether the arguments suit the register kernels: a C-ordered
        float32 or float64 block ``c``, float64 and int64 1-d C arrays."""
        f64, i64 = types.float64, types.int64
        wanted = [(c, (f64, types.float32), 2)]
        wanted += [(a, (f64,), 1) for a in vectors]
        wanted += [(a, (i64,), 1) for a in indices]
        return all(
            isinstance(arr, types.Array)
            and arr.dtype in dtypes
            and arr.ndim == ndim
            and arr.layout == "C"
            for arr, dtypes, ndim in wanted
        )

    def _make_reduce(width):
        """Compile :func:`_reduction`'s duals for ``width x width`` blocks in
        vector registers: ``reduce(c, u, v, path)`` writes ``u``, ``v`` and
        ``path`` as its loops do, bit for bit (the column minima are taken
        row by row in the same order; a row's minimum is the same value in
        any order)."""

        @intrinsic
        def reduce(typingctx, c, u, v, path):
            if not _typed_block(c, (u, v), (path,)):
                return None
            return types.void(c, u, v, path), lambda *a: _reduce_codegen(width, *a)

        return reduce

    def _reduce_codegen(width, context, builder, signature, args):
        """The IR of :func:`_make_reduce`'s intrinsic (straight-line code)."""
        ptr = _ir_pointers(context, builder, signature, args, ("c", "u", "v", "path"))

        i64 = ir.IntType(64)
        c_row = ir.VectorType(context.get_data_type(signature.args[0].dtype), width)
        v = p = None
        for i in range(width):
            c_i = _ir_load(builder, ptr("c", [i64(i), i64(0)]), c_row)
            u_i = _ir_min(builder, c_i, width)
            builder.store(u_i, ptr("u", [i64(i)]))
            x = builder.fsub(c_i, _ir_splat(builder, u_i, width))
            if i == 0:
                v, p = x, ir.Constant(ir.VectorType(i64, width), [0] * width)
                continue
            lower = builder.fcmp_ordered("<", x, v)
            v = builder.select(lower, x, v)
            p = builder.select(lower, _ir_splat(builder, i64(i), width), p)
        for name, value in (("v", v), ("path", p)):
            pointer = builder.bitcast(ptr(name, [i64(0)]), value.type.as_pointer())
            builder.store(value, pointer).align = 8
        return context.get_dummy_value()

    _search8, _search16, _search32 = (_make_search(w) for w in SEARCH_WIDTHS)
    _reduce8, _reduce16, _reduce32 = (_make_reduce(w) for w in SEARCH_WIDTHS)

else:  # pragma: no cover - the solver is only compiled with numba
    _search8 = _search16 = _search32 = None
    _reduce8 = _reduce16 = _reduce32 = None


#: Vectorised column passes pay off from this block size on: the compiler's
#: vector loop only starts at 16 columns (see the matching benchmark).
_VECTOR_MIN_K = 16


@_njit_inline
def _lowest(masked, k):
    """``min(masked[:k])`` as four running minima: a quarter of the chain of
    dependent comparisons."""
    inf = np.inf
    l0 = l1 = l2 = l3 = inf
    k4 = k - k % 4
    for j in range(0, k4, 4):
        l0 = min(l0, masked[j])
        l1 = min(l1, masked[j + 1])
        l2 = min(l2, masked[j + 2])
        l3 = min(l3, masked[j + 3])
    for j in range(k4, k):
        l0 = min(l0, masked[j])
    return min(min(l0, l1), min(l2, l3))


@_njit_inline
def _reduction(c, k, col4row, u, v, path, row4col):
    """The solver's start: row then column reduction. ``u_i = min_j c_ij``
    and ``v_j = min_i (c_ij - u_i)`` are feasible duals, and each column
    whose minimising row is still free is assigned to it. On random
    16 x 16 blocks about 69% of the rows start assigned (52% after a column
    reduction alone), which skips their augmenting-path searches: a quarter
    fewer search steps. The column minima are taken row by row, so that the
    column scans vectorise; ``path`` holds each column's first minimising
    row until the searches reset it. Each ``v_j`` is one of the differences
    ``c_ij - u_i`` that the searches compute again, so every reduced cost
    starts at 0 or above, exactly. The block is ``c[:k, :k]``: ``c`` is
    the block, or its copy padded with infinity to a register width."""
    width = c.shape[0]  # k, or a register width (of SEARCH_WIDTHS)
    col4row[:k] = -1
    row4col[:k] = -1
    if HAS_NUMBA and width == 8:  # in vector registers
        _reduce8(c, u, v, path)
    elif HAS_NUMBA and width == 16:
        _reduce16(c, u, v, path)
    elif HAS_NUMBA and width == 32:
        _reduce32(c, u, v, path)
    else:
        for i in range(k):
            u[i] = _lowest(c[i], k)
        c0, u0 = c[0], u[0]
        for j in range(k):
            v[j] = c0[j] - u0
            path[j] = 0
        for i in range(1, k):
            ci, ui = c[i], u[i]
            for j in range(k):
                x = ci[j] - ui
                lower = x < v[j]
                v[j] = x if lower else v[j]
                path[j] = i if lower else path[j]
    for j in range(k):
        best_i = path[j]
        if col4row[best_i] == -1:
            col4row[best_i] = j
            row4col[j] = best_i


def _make_solver(vector):
    """Compile :func:`_solve_one` for one way of scanning the columns."""

    @_njit_inline
    def _solve_one(c, k, col4row, u, v, shortest, path, row4col, done, masked, sr, sc):
        """Solve the square block ``c[:k, :k]`` into ``col4row``; False if a
        row cannot be assigned (``c`` is not finite). ``c`` is the block, or
        its copy padded with infinity to a width of :data:`SEARCH_WIDTHS`.

        ``vector`` (fixed when compiled) picks how each step scans the columns.

        Shortest augmenting paths from each free row (Crouse, 2016) after a
        row- and column-reduction start (:func:`_reduction`). The Dijkstra
        step scans every column with branch-free updates (done columns are
        masked instead of removed from a list): on random blocks the
        unpredictable branches of the list version, not the arithmetic, were
        the cost. Padded to a width of :data:`SEARCH_WIDTHS`, the search
        runs in vector registers instead (:func:`_make_search`: the same
        steps; the padding's infinite lanes are never chosen).
        The loop stays inline below: moved into a function of its own, the
        other sizes took 4-12% longer.
        """
        width, inf = c.shape[0], np.inf
        _reduction(c, k, col4row, u, v, path, row4col)
        for cur_row in range(k):
            if col4row[cur_row] != -1:
                continue
            n_sr = n_sc = 0
            min_val = 0.0
            i = cur_row
            sink = -1
            if HAS_NUMBA and (width == 8 or width == 16 or width == 32):
                if width == 8:
                    found = _search8(c, u, v, row4col, shortest, path, sr, sc, i)
                elif width == 16:
                    found = _search16(c, u, v, row4col, shortest, path, sr, sc, i)
                else:
                    found = _search32(c, u, v, row4col, shortest, path, sr, sc, i)
                sink, n_sr, min_val = found
                n_sc = n_sr
            else:
                shortest[:k] = inf
                done[:k] = 0.0
                path[:k] = -1
            for _ in range(0 if sink >= 0 else k):  # <= k steps reach a free column
                sr[n_sr] = i
                n_sr += 1
                ci = c[i]
                base = min_val - u[i]
                lowest = inf
                # ``vector`` is a compile-time constant: its dead branches are
                # pruned, leaving one fused pass (small k) or a pass the
                # compiler vectorises followed by a separate minimum.
                for j in range(k):
                    r = base + ci[j] - v[j]
                    s = shortest[j]
                    better = (r < s) & (done[j] == 0.0)
                    s = r if better else s
                    shortest[j] = s
                    path[j] = i if better else path[j]
                    m = inf if done[j] != 0.0 else s
                    masked[j] = m
                    if not vector:
                        lowest = min(lowest, m)
                if vector:
                    lowest = _lowest(masked, k)
                if not lowest < inf:  # inf or NaN: no finite reduced cost left
                    return False
                index = -1
                for j in range(k - 1, -1, -1):  # any minimiser will do: the last
                    if masked[j] == lowest:
                        index = j
                        break
                if index < 0 or path[index] < 0:  # NaN crept in: c is not finite
                    return False
                min_val = lowest
                done[index] = 1.0
                sc[n_sc] = index
                n_sc += 1
                i = row4col[index]
                if i == -1:
                    sink = index
                    break
            if sink < 0:
                return False
            # Dual updates on the rows and columns the search visited.
            u[cur_row] += min_val
            for t in range(1, n_sr):
                u[sr[t]] += min_val - shortest[col4row[sr[t]]]
            for t in range(n_sc):
                v[sc[t]] -= min_val - shortest[sc[t]]
            # Augment along the path back to cur_row: at most k steps on a
            # valid path; the bound keeps a corrupted one from looping.
            j = sink
            for _ in range(k):
                i = path[j]
                if i < 0:
                    return False
                row4col[j] = i
                col4row[i], j = j, col4row[i]
                if i == cur_row:
                    break
            else:
                return False
        return True

    return _solve_one


_solve_scalar = _make_solver(vector=False)  # k < _VECTOR_MIN_K
_solve_vector = _make_solver(vector=True)


@_njit
def _solve_one(c, k, col4row, u, v, shortest, path, row4col, done, masked, sr, sc):
    """Solve ``c[:k, :k]`` with the solver compiled for its size."""
    if c.shape[0] >= _VECTOR_MIN_K:
        return _solve_vector(
            c, k, col4row, u, v, shortest, path, row4col, done, masked, sr, sc
        )
    return _solve_scalar(
        c, k, col4row, u, v, shortest, path, row4col, done, masked, sr, sc
    )


#: Blocks from this size up to the largest of :data:`SEARCH_WIDTHS` are
#: solved in vector registers, padded with infinity to the next width. On
#: random blocks this took 16% less time at k = 4, the same at 3 and 4% more
#: at 2 (``_lsap_square_batch``, one thread).
_MIN_REGISTER_K = 4


@_njit
def _register_width(k):
    """The width of :data:`SEARCH_WIDTHS` that ``k x k`` blocks are padded
    to for the register kernels, or 0 (solved by the loops)."""
    if k < _MIN_REGISTER_K or k > 32:
        return 0
    return 8 if k <= 8 else (16 if k <= 16 else 32)


@_njit
def _workspace(k):
    """Scratch arrays of :func:`_solve_one` for ``k x k`` blocks, and the
    infinite padding (``pad``, empty unless ``k`` is padded) that a block is
    copied into for the register kernels."""
    width = _register_width(k)
    n = max(k, width)
    shape = (width, width) if width > k else (0, 0)
    return (
        np.empty(n, dtype=np.float64),  # u
        np.empty(n, dtype=np.float64),  # v
        np.empty(n, dtype=np.float64),  # shortest
        np.empty(n, dtype=np.int64),  # path
        np.empty(n, dtype=np.int64),  # row4col
        np.empty(n, dtype=np.float64),  # done (0.0 / 1.0: same width as costs)
        np.empty(n, dtype=np.float64),  # masked
        np.empty(n, dtype=np.int64),  # sr
        np.empty(n, dtype=np.int64),  # sc
        np.full(shape, np.inf),  # pad
    )


@_njit
def _all_finite(block):
    for x in block.ravel():
        if not np.isfinite(x):
            return False
    return True


@_njit
def _solve_range(cost, out, start, stop):
    """Solve blocks ``start:stop``; -1, or the first block that is not finite."""
    k = cost.shape[1]
    u, v, shortest, path, row4col, done, masked, sr, sc, pad = _workspace(k)
    for b in range(start, stop):
        if not _all_finite(cost[b]):
            return b
        if pad.shape[0] > k:  # into the padding (float32 widened exactly)
            for i in range(k):
                for j in range(k):
                    pad[i, j] = cost[b, i, j]
            solved = _solve_one(
                pad, k, out[b], u, v, shortest, path, row4col, done, masked, sr, sc
            )
        else:
            solved = _solve_one(
                cost[b], k, out[b], u, v, shortest, path, row4col, done, masked, sr, sc
            )
        if not solved:
            return b
    return -1


#: From this many features on, each cost entry is one dot product (vectorised
#: over the features); below, the k partners form the vector loop instead
#: (the crossover is timed by ``python -m skmixup.benchmarks matching``).
_DOT_MIN_FEATURES = 16

if HAS_NUMBA:
    # Reassociated sums (as BLAS does) let the compiler vectorise the dot
    # products; NaN and infinity keep their meaning, so the finite check holds.
    _njit_sums = numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
else:  # pragma: no cover
    _njit_sums = _njit


#: The cost codes the compiled kernel finishes a block by (``Metric.code`` of
#: :data:`skmixup._metrics.METRICS`): the squared distance, or the distance.
#: (The cross term ``-2 <a, b>`` alone has the squared distance's optimum,
#: but its row and column constants spoil the solver's reduction start: it
#: took 12-18% longer per 16 x 16 block. The batched costs of
#: ``pairwise_cost(reduced=True)`` keep the cross term: there the norms
#: would be further passes over the blocks, which cost more than they saved
#: at 200 features.)
SQEUCLIDEAN_CODE = 0
EUCLIDEAN_CODE = 1
KERNEL_CODES = frozenset({SQEUCLIDEAN_CODE, EUCLIDEAN_CODE})


@_njit_sums
def _block_cost(feats, partner_feats, anchors, partners, code, scale, work, cost):
    """Cost block between the rows ``anchors`` of ``feats`` and ``partners``
    of ``partner_feats``, in float64, finished by the metric's ``code`` (one
    of :data:`KERNEL_CODES`). Returns whether every entry is finite.

    The points are centred on the first partner: like the partners' mean
    that :func:`skmixup.pairwise_cost` subtracts, any point of the block
    removes an offset common to the data (so the squared norms keep the
    distances' precision), and this one costs no pass over the block (the
    mean's pass took 7% of a 16 x 16 block's time). The two centres give
    the same costs up to rounding, hence the same pairs but where two
    matchings tie within it. ``cost`` may be the solver's padding, larger
    than ``k x k``: only ``cost[:k, :k]`` is written."""
    k = anchors.shape[0]
    d = feats.shape[1]
    centre, anc, sq_anc, sq_part, part, part_t = work
    first = partner_feats[partners[0]]  # the origin: any point of the block
    for t in range(d):
        centre[t] = first[t] * scale
    dot_rows = d >= _DOT_MIN_FEATURES
    for j in range(k):
        row = partner_feats[partners[j]]
        s = 0.0
        for t in range(d):
            x = row[t] * scale - centre[t]
            if dot_rows:
                part[j, t] = x
            else:
                part_t[t, j] = x
            s += x * x
        sq_part[j] = s
    for i in range(k):
        row = feats[anchors[i]]
        s = 0.0
        if dot_rows:
            for t in range(d):
                a = row[t] * scale - centre[t]
                anc[i, t] = a
                s += a * a
        else:
            cost_i = cost[i]
            cost_i[:k] = 0.0  # (the padding's infinity stays)
            for t in range(d):
                a = row[t] * scale - centre[t]
                s += a * a
                for j in range(k):
                    cost_i[j] += a * part_t[t, j]
        sq_anc[i] = s
    if dot_rows:
        _dot_rows(anc, part, cost)
    finite = True
    for i in range(k):
        cost_i = cost[i]
        for j in range(k):
            x = max(sq_anc[i] + sq_part[j] - 2.0 * cost_i[j], 0.0)
            if code == EUCLIDEAN_CODE:  # else SQEUCLIDEAN_CODE (checked)
                x = np.sqrt(x)
            cost_i[j] = x
            finite &= np.isfinite(x)
    return finite


#: From this many features on, :func:`_dot_rows` takes two partners per pass
#: over four anchors (eight sums): each anchor row is read half as often.
#: Alone, the products took 25% less time at 32 features and up to 20% more
#: below; in the fused kernel (k = 16, 20,000 rows), a block took the same
#: time at 32 features and 3-10% less from 40 to 128.
_PAIR_MIN_FEATURES = 32


@_njit_sums
def _dot_rows(anc, part, cost):
    """``cost[i, j] = <anc[i], part[j]>``, four anchors at a time: each
    partner row is read once per four dot products (a quarter fewer loads
    than one at a time), and from :data:`_PAIR_MIN_FEATURES` on two partners
    at a time. Each sum is the one a single dot product makes."""
    k, d = anc.shape
    k4 = k - k % 4
    k2 = k - k % 2 if d >= _PAIR_MIN_FEATURES else 0
    for i in range(0, k4, 4):
        a0, a1, a2, a3 = anc[i], anc[i + 1], anc[i + 2], anc[i + 3]
        for j in range(0, k2, 2):
            p, q = part[j], part[j + 1]
            s0 = s1 = s2 = s3 = r0 = r1 = r2 = r3 = 0.0
            for t in range(d):
                x, y = p[t], q[t]
                b0, b1, b2, b3 = a0[t], a1[t], a2[t], a3[t]
                s0 += b0 * x
                s1 += b1 * x
                s2 += b2 * x
                s3 += b3 * x
                r0 += b0 * y
                r1 += b1 * y
                r2 += b2 * y
                r3 += b3 * y
            cost[i, j], cost[i + 1, j], cost[i + 2, j], cost[i + 3, j] = s0, s1, s2, s3
            cost[i, j + 1], cost[i + 1, j + 1] = r0, r1
            cost[i + 2, j + 1], cost[i + 3, j + 1] = r2, r3
        for j in range(k2, k):  # every partner below _PAIR_MIN_FEATURES
            p = part[j]
            s0 = s1 = s2 = s3 = 0.0
            for t in range(d):
                x = p[t]
                s0 += a0[t] * x
                s1 += a1[t] * x
                s2 += a2[t] * x
                s3 += a3[t] * x
            cost[i, j], cost[i + 1, j], cost[i + 2, j], cost[i + 3, j] = s0, s1, s2, s3
    for i in range(k4, k):
        a = anc[i]
        for j in range(k):
            p = part[j]
            s = 0.0
            for t in range(d):
                s += a[t] * p[t]
            cost[i, j] = s


#: How many blocks ahead :func:`_match_range` prefetches the rows it will
#: gather. In a net's fit (k = 16, 20,000 x 32 float32 rows, batch 256), the
#: rows of the next blocks are no longer in the nearest caches, and fetching
#: them early cut the k = 16 / k = 1 fit time ratio from 1.058-1.066 to
#: 1.050 (``python -m skmixup.benchmarks neural``); on data in cache it
#: changed nothing.
_PREFETCH_BLOCKS = 2


@_njit
def _match_range(
    feats, partner_feats, anchors, partners, code, scale, out, start, stop
):
    """Gather, cost (:func:`_block_cost`) and solve the k-batch pairs
    ``start:stop`` in one pass; ``out[b, i]`` receives the row of
    ``partner_feats`` matched to ``anchors[b, i]``. Returns -1, or the first
    pair whose cost is not finite (nothing is solved from there on)."""
    k = anchors.shape[1]
    d = feats.shape[1]
    dot_rows = d >= _DOT_MIN_FEATURES
    work = (
        np.empty(d, dtype=np.float64),  # centre
        np.empty((k if dot_rows else 0, d), dtype=np.float64),  # centred anchors
        np.empty(k, dtype=np.float64),  # squared norms of the centred anchors
        np.empty(k, dtype=np.float64),  # squared norms of the centred partners
        np.empty((k if dot_rows else 0, d), dtype=np.float64),  # partners
        np.empty((0 if dot_rows else d, k), dtype=np.float64),  # transposed
    )
    col4row = np.empty(k, dtype=np.int64)
    u, v, shortest, path, row4col, done, masked, sr, sc, pad = _workspace(k)
    # the block is written into the padding directly when the solver pads it
    cost = pad if pad.shape[0] > k else np.empty((k, k), dtype=np.float64)
    line = max(1, 64 // feats.itemsize)  # values per 64-byte cache line
    for b in range(start, stop):
        ahead = b + _PREFETCH_BLOCKS
        if ahead < stop:  # random rows: fetched while this block is solved
            for i in range(k):
                for t in range(0, d, line):
                    _prefetch(feats, anchors[ahead, i], t)
                    _prefetch(partner_feats, partners[ahead, i], t)
        if not _block_cost(
            feats, partner_feats, anchors[b], partners[b], code, scale, work, cost
        ) or not _solve_one(
            cost, k, col4row, u, v, shortest, path, row4col, done, masked, sr, sc
        ):
            return b
        for i in range(k):
            out[b, i] = partners[b, col4row[i]]
    return -1


def _match_rows(
    feats, anchors, partners, metric, n_threads=1, partner_feats=None, what="X"
):
    """Exact matching of k-batches given as row indices of ``feats``.

    The fused equivalent of ``pairwise_cost(feats[anchors], feats[partners],
    metric)`` (rescaled by a power of two) followed by the block solver and a
    gather of the partner rows, without the gathered copies (one compiled call per batch,
    which is what the per-batch step of the estimators needs).

    Parameters
    ----------
    feats : ndarray of shape (n_samples, n_features), floating point
    anchors, partners : ndarray of shape (n_pairs, k), int64
        Row indices of the k-batches and of their partner k-batches.
    metric : str
        A key of :data:`skmixup._metrics.METRICS`, whose ``code`` must be one
        of :data:`KERNEL_CODES`.
    n_threads : int, default=1
    partner_feats : ndarray of shape (n_partner_samples, n_features), default=None
        Where the rows of ``partners`` are taken from (default ``feats``).
    what : str, default="X"
        How the error for non-finite costs names the features.

    Returns
    -------
    matched : ndarray of shape (n_pairs, k), int64
        ``matched[b, i]`` is the row of ``partner_feats`` paired with
        ``anchors[b, i]``; each row of ``matched`` is a permutation of
        ``partners[b]``.
    """
    feats = np.ascontiguousarray(feats)
    partner_feats = (
        feats if partner_feats is None else np.ascontiguousarray(partner_feats)
    )
    anchors = np.ascontiguousarray(anchors, dtype=np.int64)
    partners = np.ascontiguousarray(partners, dtype=np.int64)
    n_pairs = anchors.shape[0]
    out = np.empty(anchors.shape, dtype=np.int64)
    code = get_metric(metric).code
    if code not in KERNEL_CODES:
        raise ValueError(
            f"the compiled kernel has no cost for metric {metric!r} (code "
            f"{code}); it implements the codes {sorted(KERNEL_CODES)}."
        )
    # One exact power-of-two rescaling of all the features: the pairs do not
    # depend on the units, and no squared distance overflows or underflows.
    # The costs are float64 sums, which float32 features cannot overflow or
    # underflow: those need no rescaling (and no pass over the data).
    scale = None
    if feats.dtype != np.float32 or partner_feats.dtype != np.float32:
        others = () if partner_feats is feats else (partner_feats,)
        scale = host_scale(feats, *others)
    scale = 1.0 if scale is None else scale
    bad = _in_ranges(
        lambda a, b: _match_range(
            feats, partner_feats, anchors, partners, code, scale, out, a, b
        ),
        n_pairs,
        n_threads,
    )
    if bad:
        raise ValueError(
            f"{what} must be finite for the matching: it contains NaN or "
            "infinity. Impute or drop those values first."
        )
    return out


def _lsap_square_batch(cost, n_threads=1):
    """Solve ``cost.shape[0]`` square assignment problems exactly.

    Parameters
    ----------
    cost : ndarray of shape (n_blocks, k, k), real
        Finite costs (solved in float32 if they are float32, else in float64).
    n_threads : int, default=1
        Blocks are split into this many contiguous chunks solved in threads
        (the kernel releases the GIL).

    Returns
    -------
    col4row : ndarray of shape (n_blocks, k), int64
        ``col4row[b, i]`` is the column assigned to row ``i`` of block ``b``.
    """
    # The register kernels read C-ordered float32 or float64 blocks.
    single = cost.dtype == np.float32
    cost = np.ascontiguousarray(cost, dtype=np.float32 if single else np.float64)
    n_blocks, k, _ = cost.shape
    out = np.empty((n_blocks, k), dtype=np.int64)
    if _in_ranges(lambda a, b: _solve_range(cost, out, a, b), n_blocks, n_threads):
        raise ValueError(
            "the assignment costs must be finite: they contain NaN or infinity."
        )
    return out


def _in_ranges(solve, n_items, n_threads):
    """Run ``solve(start, stop)`` over ``range(n_items)`` split in contiguous
    chunks, one per thread (the kernels release the GIL); True if any chunk
    reported a block that is not finite."""
    if n_threads <= 1 or n_items < 2 * n_threads:
        return solve(0, n_items) >= 0
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, n_items, n_threads + 1).astype(int)
    with ThreadPoolExecutor(n_threads) as pool:
        bad = list(
            pool.map(lambda s: solve(bounds[s], bounds[s + 1]), range(n_threads))
        )
    return max(bad) >= 0
