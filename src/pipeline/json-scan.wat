;; The JSON scanner of src/pipeline/json-scan.ts, in WebAssembly with SIMD
;; (issue 12 item 3). It answers "is this one JSON text nested at most
;; maxDepth levels?" for a document whose UTF-8 validity the caller checked
;; first (Node's isUtf8), by the rules of RFC 8259 §2-§7 as the file header of
;; json-scan.ts states them. String bodies are skipped 16 bytes at a time:
;; one compare for '"', one for '\', one unsigned compare for < 0x20.
;;
;; Memory layout (json-scan.ts writes the tables once and the document per call):
;;     0 ..  255  byte classes: 0 invalid, 1 whitespace, 2 '"', 3 '{', 4 '[',
;;                5 '}', 6 ']', 7 ',', 8 ':', 9 '-' or digit, 10 't', 11 'f', 12 'n'
;;   256 ..  511  1 for a hex digit [0-9A-Fa-f]
;;   512 ..  767  1 for a byte allowed after '\' other than 'u': " \ / b f n r t
;;  1024 .. 1024+n        the document
;;  then 64 bytes of '"'  sentinels: every loop stops on them, so no loop tests
;;                        the end, and a 16-byte load never leaves the document's
;;                        region; a string reaching them is unterminated
;;  then one byte per nesting level: 1 object, 0 array
;;
;; Assembled with wabt (npm run build:wasm) into json-scan-wasm.ts; a unit test
;; checks that the committed bytes are this file's.
(module
  (memory (export "memory") 1)

  ;; The string whose body starts at $i (after the opening quote): the address
  ;; after its closing quote, or 0 when it is unterminated, holds a raw byte
  ;; below 0x20 or a bad escape (\uXXXX needs four hex digits; lone surrogates
  ;; pass, as JSON.parse lets them).
  (func $string (param $i i32) (param $end i32) (result i32)
    (local $m i32) (local $b i32) (local $v v128)
    (loop $scan
      (local.set $v (v128.load (local.get $i)))
      (local.set $m
        (i8x16.bitmask
          (v128.or
            (v128.or
              (i8x16.eq (local.get $v) (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
              (i8x16.eq (local.get $v) (v128.const i8x16 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92)))
            (i8x16.lt_u (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))))
      (if (i32.eqz (local.get $m))
        (then
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $scan)))
      (local.set $i (i32.add (local.get $i) (i32.ctz (local.get $m))))
      ;; a sentinel: the document ended inside the string
      (if (i32.ge_u (local.get $i) (local.get $end)) (then (return (i32.const 0))))
      (local.set $b (i32.load8_u (local.get $i)))
      (if (i32.eq (local.get $b) (i32.const 34)) (then (return (i32.add (local.get $i) (i32.const 1)))))
      (if (i32.lt_u (local.get $b) (i32.const 32)) (then (return (i32.const 0))))
      ;; a backslash, then the escaped byte (a sentinel when the document ends there, which the next round reports)
      (local.set $b (i32.load8_u offset=1 (local.get $i)))
      (if (i32.eq (local.get $b) (i32.const 117))
        (then
          (if (i32.eqz
                (i32.and
                  (i32.and
                    (i32.load8_u offset=256 (i32.load8_u offset=2 (local.get $i)))
                    (i32.load8_u offset=256 (i32.load8_u offset=3 (local.get $i))))
                  (i32.and
                    (i32.load8_u offset=256 (i32.load8_u offset=4 (local.get $i)))
                    (i32.load8_u offset=256 (i32.load8_u offset=5 (local.get $i))))))
            (then (return (i32.const 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 6))))
        (else
          (if (i32.eqz (i32.load8_u offset=512 (local.get $b))) (then (return (i32.const 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 2)))))
      (br $scan))
    (unreachable))

  ;; True when $b is an ASCII digit.
  (func $digit (param $b i32) (result i32)
    (i32.le_u (i32.sub (local.get $b) (i32.const 48)) (i32.const 9)))

  ;; The number starting at $i: the address after it, or 0.
  ;; -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  (func $number (param $i i32) (result i32)
    (local $b i32)
    (local.set $b (i32.load8_u (local.get $i)))
    (if (i32.eq (local.get $b) (i32.const 45))
      (then
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $b (i32.load8_u (local.get $i)))))
    (if (i32.eq (local.get $b) (i32.const 48))
      (then (local.set $i (i32.add (local.get $i) (i32.const 1))))
      (else
        (if (i32.eqz (call $digit (local.get $b))) (then (return (i32.const 0))))
        (loop $int
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $int (call $digit (i32.load8_u (local.get $i)))))))
    (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 46))
      (then
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.eqz (call $digit (i32.load8_u (local.get $i)))) (then (return (i32.const 0))))
        (loop $fraction
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $fraction (call $digit (i32.load8_u (local.get $i)))))))
    ;; 'e' or 'E' ((b | 0x20) == 'e')
    (if (i32.eq (i32.or (i32.load8_u (local.get $i)) (i32.const 32)) (i32.const 101))
      (then
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $b (i32.load8_u (local.get $i)))
        (if (i32.or (i32.eq (local.get $b) (i32.const 43)) (i32.eq (local.get $b) (i32.const 45)))
          (then (local.set $i (i32.add (local.get $i) (i32.const 1)))))
        (if (i32.eqz (call $digit (i32.load8_u (local.get $i)))) (then (return (i32.const 0))))
        (loop $exponent
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $exponent (call $digit (i32.load8_u (local.get $i)))))))
    (local.get $i))

  ;; The first address at or after $i whose byte is not whitespace.
  (func $skipSpace (param $i i32) (result i32)
    (loop $space
      (if (i32.eq (i32.load8_u (i32.load8_u (local.get $i))) (i32.const 1))
        (then
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $space))))
    (local.get $i))

  ;; 1 when the $n bytes at 1024 are one JSON text nested at most $maxDepth levels, else 0.
  (func (export "scan") (param $n i32) (param $maxDepth i32) (result i32)
    (local $i i32) (local $end i32) (local $stack i32) (local $depth i32)
    ;; what comes next: 0 a value, 1 ',' or the container's end (after a value), 2 a key
    (local $expect i32)
    (local $c i32) (local $object i32)
    (local.set $i (i32.const 1024))
    (local.set $end (i32.add (i32.const 1024) (local.get $n)))
    (local.set $stack (i32.add (local.get $end) (i32.const 64)))
    (block $done
      (loop $main
        (local.set $i (call $skipSpace (local.get $i)))
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (i32.load8_u (local.get $i))))
        (if (i32.eq (local.get $expect) (i32.const 1))
          (then
            ;; a second value after the top-level one
            (if (i32.eqz (local.get $depth)) (then (return (i32.const 0))))
            (local.set $object (i32.load8_u (i32.add (local.get $stack) (local.get $depth))))
            (if (i32.eq (local.get $c) (i32.const 7))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $expect (select (i32.const 2) (i32.const 0) (local.get $object)))
                (br $main)))
            ;; '}' (class 5) closes an object, ']' (class 6) an array
            (if (i32.eq (local.get $c) (i32.sub (i32.const 6) (local.get $object)))
              (then
                (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $main)))
            (return (i32.const 0))))
        (if (i32.eq (local.get $c) (i32.const 2))
          (then
            (local.set $i (call $string (i32.add (local.get $i) (i32.const 1)) (local.get $end)))
            (if (i32.eqz (local.get $i)) (then (return (i32.const 0))))
            (if (i32.eq (local.get $expect) (i32.const 2))
              (then
                ;; a key: then ':' and a value
                (local.set $i (call $skipSpace (local.get $i)))
                (if (i32.ne (i32.load8_u (local.get $i)) (i32.const 58)) (then (return (i32.const 0))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $expect (i32.const 0))
                (br $main)))
            (local.set $expect (i32.const 1))
            (br $main)))
        ;; anything but a string where a key belongs
        (if (i32.eq (local.get $expect) (i32.const 2)) (then (return (i32.const 0))))
        (if (i32.or (i32.eq (local.get $c) (i32.const 3)) (i32.eq (local.get $c) (i32.const 4)))
          (then
            (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
            (if (i32.gt_u (local.get $depth) (local.get $maxDepth)) (then (return (i32.const 0))))
            (local.set $object (i32.eq (local.get $c) (i32.const 3)))
            (i32.store8 (i32.add (local.get $stack) (local.get $depth)) (local.get $object))
            (local.set $i (call $skipSpace (i32.add (local.get $i) (i32.const 1))))
            ;; an empty container
            (if (i32.eq (i32.load8_u (i32.load8_u (local.get $i))) (i32.sub (i32.const 6) (local.get $object)))
              (then
                (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $expect (i32.const 1))
                (br $main)))
            (local.set $expect (select (i32.const 2) (i32.const 0) (local.get $object)))
            (br $main)))
        (if (i32.eq (local.get $c) (i32.const 9))
          (then
            (local.set $i (call $number (local.get $i)))
            (if (i32.eqz (local.get $i)) (then (return (i32.const 0))))
            (local.set $expect (i32.const 1))
            (br $main)))
        ;; the literals, compared four bytes at a time (little-endian): "true", "alse" after 'f', "null"
        (if (i32.eq (local.get $c) (i32.const 10))
          (then
            (if (i32.ne (i32.load (local.get $i)) (i32.const 0x65757274)) (then (return (i32.const 0))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (local.set $expect (i32.const 1))
            (br $main)))
        (if (i32.eq (local.get $c) (i32.const 11))
          (then
            (if (i32.ne (i32.load offset=1 (local.get $i)) (i32.const 0x65736c61)) (then (return (i32.const 0))))
            (local.set $i (i32.add (local.get $i) (i32.const 5)))
            (local.set $expect (i32.const 1))
            (br $main)))
        (if (i32.eq (local.get $c) (i32.const 12))
          (then
            (if (i32.ne (i32.load (local.get $i)) (i32.const 0x6c6c756e)) (then (return (i32.const 0))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (local.set $expect (i32.const 1))
            (br $main)))
        (return (i32.const 0))))
    ;; the end: exactly one complete value
    (i32.and (i32.eq (local.get $expect) (i32.const 1)) (i32.eqz (local.get $depth))))
)
