; Scanner unit cases for tests/toolchain/check.sh, one rule of scan_load_splat.py each, written as
; IR so that no compiler pass can reshape them. `scan_load_splat.py --self-test` requires every
; bad_* function to be flagged and no good_* one. Each bad_* is miscompiled by llc-14 -O3 (the
; v128.load32_splat comes after the write); the good_* ones are safe by construction.
;   llc-14 -O3 load_splat_selftest.ll -o -
target datalayout = "e-m:e-p:32:32-p10:8:8-p20:8:8-i64:64-f128:64-n32:64-S128-ni:1:10:20"
target triple = "wasm32-unknown-emscripten"

declare void @opaque(float*)
declare float @peek(float*) #1
declare void @llvm.prefetch.p0i8(i8* nocapture readonly, i32 immarg, i32 immarg, i32)

; The store comes between the load and the vector.
define <4 x float> @bad_store_between(float* %p) #0 {
  %a = load float, float* %p, align 4
  store float 5.000000e+00, float* %p, align 4
  %v = insertelement <4 x float> poison, float %a, i64 0
  %s = shufflevector <4 x float> %v, <4 x float> poison, <4 x i32> zeroinitializer
  ret <4 x float> %s
}

; The write (an opaque call) comes after the splat.
define <4 x float> @bad_call_after_lane(float* %p) #0 {
  %a = load float, float* %p, align 4
  %v = insertelement <4 x float> poison, float %a, i64 0
  %s = shufflevector <4 x float> %v, <4 x float> poison, <4 x i32> zeroinitializer
  call void @opaque(float* %p)
  ret <4 x float> %s
}

; The lane is a bitcast of the load (the DAG folds it into a float load).
define <4 x float> @bad_bitcast_lane(i32* %p) #0 {
  %i = load i32, i32* %p, align 4
  %a = bitcast i32 %i to float
  store i32 0, i32* %p, align 4
  %v = insertelement <4 x float> poison, float %a, i64 0
  %s = shufflevector <4 x float> %v, <4 x float> poison, <4 x i32> zeroinitializer
  ret <4 x float> %s
}

; The only write stores the vector itself: it cannot be scheduled before the load.
define void @good_store_uses_vector(float* %p, <4 x float>* %q) #0 {
  %a = load float, float* %p, align 4
  %v = insertelement <4 x float> poison, float %a, i64 0
  %s = shufflevector <4 x float> %v, <4 x float> poison, <4 x i32> zeroinitializer
  store <4 x float> %s, <4 x float>* %q, align 16
  ret void
}

; Scoped-noalias metadata says the store does not touch the loaded float.
define <4 x float> @good_noalias_scope(float* %p, float* %q) #0 {
  %a = load float, float* %p, align 4, !alias.scope !0
  store float 5.000000e+00, float* %q, align 4, !noalias !0
  %v = insertelement <4 x float> poison, float %a, i64 0
  %s = shufflevector <4 x float> %v, <4 x float> poison, <4 x i32> zeroinitializer
  ret <4 x float> %s
}

; Neither a readonly call nor a prefetch writes memory.
define <4 x float> @good_readonly_call_and_prefetch(float* %p) #0 {
  %a = load float, float* %p, align 4
  %b = call float @peek(float* %p)
  %c = bitcast float* %p to i8*
  call void @llvm.prefetch.p0i8(i8* %c, i32 0, i32 3, i32 1)
  %v = insertelement <4 x float> poison, float %a, i64 0
  %w = insertelement <4 x float> %v, float %b, i64 1
  ret <4 x float> %w
}

attributes #0 = { "target-features"="+simd128" }
attributes #1 = { nounwind readonly }

!0 = !{!1}
!1 = distinct !{!1, !2, !"p"}
!2 = distinct !{!2, !"domain"}
