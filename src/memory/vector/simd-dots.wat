;; The dot-product kernel of simd-scan.ts, in WebAssembly text. simd-scan.ts embeds its binary
;; (base64); after changing this file, assemble it again, e.g. with the `wabt` npm package:
;;   const wabt = await (await import("wabt")).default();
;;   wabt.parseWat("simd-dots.wat", text, { simd: true }).toBinary({}).buffer  -> base64 into simd-scan.ts
;;
;; dots(q, base, count, bytes, out): for each of `count` vectors laid end to end from byte `base`,
;; each `bytes` long (a multiple of 64: vectors are zero-padded to 16 floats), writes the dot
;; product with the vector at `q` as an f32 at out + 4*i. Four f32x4 accumulators per row, so
;; that consecutive additions do not wait on each other.
(module
  (memory (export "memory") 1)
  (func (export "dots") (param $q i32) (param $base i32) (param $count i32) (param $bytes i32) (param $out i32)
    (local $i i32) (local $v i32) (local $qp i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $v (local.get $base))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $qp (local.get $q))
        (local.set $end (i32.add (local.get $v) (local.get $bytes)))
        (loop $cols
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $v)) (v128.load (local.get $qp)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $v)) (v128.load offset=16 (local.get $qp)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $v)) (v128.load offset=32 (local.get $qp)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $v)) (v128.load offset=48 (local.get $qp)))))
          (local.set $v (i32.add (local.get $v) (i32.const 64)))
          (local.set $qp (i32.add (local.get $qp) (i32.const 64)))
          (br_if $cols (i32.lt_u (local.get $v) (local.get $end))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (f32.store (local.get $out)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))))
