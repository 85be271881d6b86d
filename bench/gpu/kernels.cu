// bench/gpu/kernels.cu: the four benchmark kernels written by hand in CUDA C,
// the same algorithms as samples/saxpy.yaml, vecadd.yaml, reduce.yaml and
// matmul.yaml, as a CUDA programmer would write them (u32 indices, const
// __restrict__ read-only inputs, one element per thread, a 256-wide shared
// tree reduction, 16x16 shared tiles).  harness.cu races them against the
// PTX that `vyrec build -t ptx --arch sm_90` makes of the samples.

extern "C" __global__ void saxpy_nv(const float *__restrict__ x,
	float *__restrict__ y, float a, unsigned n)
{
	unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		y[i] = fmaf(a, x[i], y[i]);
}

extern "C" __global__ void vecadd_nv(const float *__restrict__ x,
	const float *__restrict__ y, float *__restrict__ z, unsigned n)
{
	unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		z[i] = x[i] + y[i];
}

extern "C" __global__ void reduce_nv(const float *__restrict__ x,
	float *__restrict__ partial, unsigned n)
{
	__shared__ float tmp[256];
	unsigned t = threadIdx.x;
	unsigned i = blockIdx.x * 256 + t;
	tmp[t] = i < n ? x[i] : 0.0f;
	__syncthreads();
	for (unsigned s = 128; s > 0; s >>= 1) {
		if (t < s)
			tmp[t] = tmp[t] + tmp[t + s];
		__syncthreads();
	}
	if (t == 0)
		partial[blockIdx.x] = tmp[0];
}

extern "C" __global__ void matmul_nv(const float *__restrict__ A,
	const float *__restrict__ B, float *__restrict__ C,
	unsigned M, unsigned N, unsigned K)
{
	__shared__ float ta[256], tb[256];
	unsigned tx = threadIdx.x, ty = threadIdx.y;
	unsigned col = blockIdx.x * 16 + tx, row = blockIdx.y * 16 + ty;
	float acc = 0.0f;
	unsigned ntiles = (K + 15) / 16;
	for (unsigned t = 0; t < ntiles; t++) {
		unsigned ka = t * 16 + tx, kb = t * 16 + ty;
		ta[ty * 16 + tx] = row < M && ka < K ? A[row * K + ka] : 0.0f;
		tb[ty * 16 + tx] = kb < K && col < N ? B[kb * N + col] : 0.0f;
		__syncthreads();
		for (unsigned k = 0; k < 16; k++)
			acc = fmaf(ta[ty * 16 + k], tb[k * 16 + tx], acc);
		__syncthreads();
	}
	if (row < M && col < N)
		C[row * N + col] = acc;
}
