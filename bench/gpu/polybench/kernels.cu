// bench/gpu/polybench/kernels.cu: the PolyBench/GPU kernels vyrec races,
// written the way PolyBench/GPU 1.0 writes them (one thread per output
// element, int indices, plain pointers, the accumulator in global memory
// as in the original source, which nvcc keeps in a register only where it
// can prove no aliasing), except that the sizes are kernel arguments
// (PolyBench/GPU has them as macros): vyrec's programs take them as
// params, so both compilers see the same information.
// Built with `nvcc -O3` (fused multiply-adds allowed, as a user builds it).
extern "C" {

__global__ void gemm_nv(float *a, float *b, float *c, int ni, int nj, int nk,
			float alpha, float beta)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	int i = blockIdx.y * blockDim.y + threadIdx.y;
	if ((i < ni) && (j < nj)) {
		c[i * nj + j] *= beta;
		for (int k = 0; k < nk; k++)
			c[i * nj + j] += alpha * a[i * nk + k] * b[k * nj + j];
	}
}

__global__ void syrk_nv(float *a, float *c, int n, int m, float alpha, float beta)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	int i = blockIdx.y * blockDim.y + threadIdx.y;
	if ((i < n) && (j < n)) {
		c[i * n + j] *= beta;
		for (int k = 0; k < m; k++)
			c[i * n + j] += alpha * a[i * m + k] * a[j * m + k];
	}
}

__global__ void mm2_1_nv(float *a, float *b, float *tmp, int ni, int nj, int nk, float alpha)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	int i = blockIdx.y * blockDim.y + threadIdx.y;
	if ((i < ni) && (j < nj)) {
		tmp[i * nj + j] = 0;
		for (int k = 0; k < nk; k++)
			tmp[i * nj + j] += alpha * a[i * nk + k] * b[k * nj + j];
	}
}

__global__ void mm2_2_nv(float *tmp, float *c, float *d, int ni, int nj, int nl, float beta)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	int i = blockIdx.y * blockDim.y + threadIdx.y;
	if ((i < ni) && (j < nl)) {
		d[i * nl + j] *= beta;
		for (int k = 0; k < nj; k++)
			d[i * nl + j] += tmp[i * nj + k] * c[k * nl + j];
	}
}

__global__ void gramschmidt_norm_nv(float *a, float *r, int m, int n, int k)
{
	int tid = blockIdx.x * blockDim.x + threadIdx.x;
	if (tid == 0) {
		float nrm = 0.0f;
		for (int i = 0; i < m; i++)
			nrm += a[i * n + k] * a[i * n + k];
		r[k * n + k] = sqrtf(nrm);
	}
}

__global__ void gramschmidt_normalise_nv(float *a, float *r, float *q, int m, int n, int k)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < m)
		q[i * n + k] = a[i * n + k] / r[k * n + k];
}

__global__ void gramschmidt_update_nv(float *a, float *r, float *q, int m, int n, int k)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	if ((j > k) && (j < n)) {
		r[k * n + j] = 0.0f;
		for (int i = 0; i < m; i++)
			r[k * n + j] += q[i * n + k] * a[i * n + j];
		for (int i = 0; i < m; i++)
			a[i * n + j] -= q[i * n + k] * r[k * n + j];
	}
}

__global__ void corr_mean_nv(float *data, float *mean, int m, int n, float float_n)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	if (j < m) {
		mean[j] = 0.0f;
		for (int i = 0; i < n; i++)
			mean[j] += data[i * m + j];
		mean[j] /= float_n;
	}
}

__global__ void corr_std_nv(float *data, float *mean, float *std, int m, int n,
			    float float_n, float eps)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	if (j < m) {
		std[j] = 0.0f;
		for (int i = 0; i < n; i++)
			std[j] += (data[i * m + j] - mean[j]) * (data[i * m + j] - mean[j]);
		std[j] /= float_n;
		std[j] = sqrtf(std[j]);
		if (std[j] <= eps)
			std[j] = 1.0f;
	}
}

__global__ void corr_reduce_nv(float *data, float *mean, float *std, int m, int n, float float_n)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	int i = blockIdx.y * blockDim.y + threadIdx.y;
	if ((i < n) && (j < m)) {
		data[i * m + j] -= mean[j];
		data[i * m + j] /= sqrtf(float_n) * std[j];
	}
}

__global__ void corr_corr_nv(float *data, float *symmat, int m, int n)
{
	int j1 = blockIdx.x * blockDim.x + threadIdx.x;
	if (j1 < (m - 1)) {
		symmat[j1 * m + j1] = 1.0f;
		for (int j2 = (j1 + 1); j2 < m; j2++) {
			symmat[j1 * m + j2] = 0.0f;
			for (int i = 0; i < n; i++)
				symmat[j1 * m + j2] += data[i * m + j1] * data[i * m + j2];
			symmat[j2 * m + j1] = symmat[j1 * m + j2];
		}
	}
}

__global__ void jacobi2d_1_nv(float *a, float *b, int n)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	int i = blockIdx.y * blockDim.y + threadIdx.y;
	if ((i >= 1) && (i < (n - 1)) && (j >= 1) && (j < (n - 1)))
		b[i * n + j] = 0.2f * (a[i * n + j] + a[i * n + (j - 1)] + a[i * n + (1 + j)]
				       + a[(1 + i) * n + j] + a[(i - 1) * n + j]);
}

__global__ void jacobi2d_2_nv(float *a, float *b, int n)
{
	int j = blockIdx.x * blockDim.x + threadIdx.x;
	int i = blockIdx.y * blockDim.y + threadIdx.y;
	if ((i >= 1) && (i < (n - 1)) && (j >= 1) && (j < (n - 1)))
		a[i * n + j] = b[i * n + j];
}

}
