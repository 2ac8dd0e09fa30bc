"""SSIMULACRA 2.1, the perceptual image metric of libjxl, vectorised with numpy (float32).

SSIMULACRA 2 (Jon Sneyers, Cloudinary, 2022, revised as 2.1 in 2023; reference
implementation `tools/ssimulacra2.cc` in https://github.com/libjxl/libjxl, standalone copy in
https://github.com/cloudinary/ssimulacra2) scores a distorted image against its original:
100 is identical, 90 very high, 70 high, 50 medium, 30 low quality. The algorithm:

1. Decode sRGB to linear RGB; build a pyramid of up to 6 scales (1:1 to 1:32) by averaging
   2x2 blocks in linear RGB (an odd last row or column is averaged with itself). A scale is
   computed while the previous one is at least 8x8, as libjxl does.
2. At each scale convert to XYB (opsin absorbance, cube root) rescaled to about 0..1:
   X*14 + 0.42, Y + 0.01, B - Y + 0.55.
3. Per scale and channel, with a Gaussian blur G (sigma 1.5): the SSIM error map
   1 - (1 - (mu1 - mu2)^2) * (2 cov12 + C2) / (var1 + var2 + C2), which drops SSIM's luminance
   denominator, and the edge map (1 + |img2 - mu2|) / (1 + |img1 - mu1|) - 1, whose positive
   part is ringing or blocking ("artifact") and whose negative part is blur ("detail lost").
4. The mean and the 4-norm of each of the 54 maps, a weighted sum of those 108 numbers, and a
   polynomial and a power law turn it into the score.

How this differs from libjxl in evaluation, not in mathematics:
- libjxl blurs with Charalampidis' recursive Gaussian (three resonators, radius 5, zero outside
  the image). Its impulse response is exactly a 9-tap kernel, so here the blur is that kernel,
  zero-padded, applied as banded matrix products (BLAS, limited to one thread: the pipeline
  runs photos in parallel, and OpenBLAS threads on a busy 2-core machine are many times slower).
- libjxl runs that recursion in float32; its rounding error accumulates along rows and columns
  and lowers its scores for nearly identical images: by up to 0.3 points around 75 and up to
  2 points above 85 on smooth 1200 px photos (measured with a float32 transcription of its
  blur). The kernel here has no such drift: the scores are those of libjxl's algorithm in
  exact arithmetic, to 0.001 points.
- Maps whose weights are all zero are not computed (at 1:1, SSIM is weighted only for Y).
- The cube root of the opsin absorbance is exp(log(x) / 3), to 3 ulp in float32, and the XYB
  conversion runs in cache-sized chunks.
- var1 + var2 - 2 cov12 is taken as G((img1 - img2)^2) - (mu1 - mu2)^2, and the edge ratio as
  (|img2 - mu2| - |img1 - mu1|) / (1 + |img1 - mu1|): equal in exact arithmetic, but without
  float32 cancellation when the images are nearly identical.
- `Ssimulacra2Reference` computes the original's side (XYB pyramid, blurred means, variances,
  edge terms) once, so that scoring one more candidate costs only the distorted side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import as_strided
from PIL import Image
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

__all__ = ["MIN_SIZE", "Ssimulacra2Reference", "ssimulacra2"]

F32: TypeAlias = npt.NDArray[np.float32]
F64: TypeAlias = npt.NDArray[np.float64]
U8: TypeAlias = npt.NDArray[np.uint8]
ImageInput: TypeAlias = Image.Image | npt.NDArray[Any]

MIN_SIZE: Final = 8
NUM_SCALES: Final = 6
_SIGMA: Final = 1.5
_C2: Final = np.float32(0.0009)
# Rows or columns per banded matrix product: large enough for BLAS to be efficient, small
# enough that the band's zeros (wasted multiplications) stay few.
_BLOCK: Final = 32
# Pixels per plane in one chunk of the per-pixel maps: a few such arrays fit in the L2 cache.
_CHUNK_PIXELS: Final = 16384
_BLAS: Final = ThreadpoolController()

# Opsin absorbance of libjxl (lib/jxl/cms/opsin_params.h): rows mix linear R, G, B.
_OPSIN: Final = np.array(
    [
        [0.30, 1.0 - 0.078 - 0.30, 0.078],
        [0.23, 1.0 - 0.078 - 0.23, 0.078],
        [0.24342268924547819, 0.20476744424496821, 1.0 - 0.24342268924547819 - 0.20476744424496821],
    ],
    dtype=np.float32,
)
_OPSIN_BIAS: Final = np.float32(0.0037930732552754493)
_CBRT_BIAS: Final = np.cbrt(_OPSIN_BIAS)

# The 108 weights of libjxl's Msssim::Score(), one line per (channel, scale, norm) in the
# order X, Y, B; scales 1:1 to 1:32; 1-norm, 4-norm. Per line: SSIM, artifact, detail lost.
# fmt: off
_WEIGHTS: Final = np.array([
    0.0, 0.0007376606707406586, 0.0,
    0.0, 0.0007793481682867309, 0.0,
    0.0, 0.0004371155730107379, 0.0,
    1.1041726426657346, 0.00066284834129271, 0.00015231632783718752,
    0.0, 0.0016406437456599754, 0.0,
    1.8422455520539298, 11.441172603757666, 0.0,
    0.0007989109436015163, 0.000176816438078653, 0.0,
    1.8787594979546387, 10.94906990605142, 0.0,
    0.0007289346991508072, 0.9677937080626833, 0.0,
    0.00014003424285435884, 0.9981766977854967, 0.00031949755934435053,
    0.0004550992113792063, 0.0, 0.0,
    0.0013648766163243398, 0.0, 0.0,
    0.0, 0.0, 0.0,
    7.466890328078848, 0.0, 17.445833984131262,
    0.0006235601634041466, 0.0, 0.0,
    6.683678146179332, 0.00037724407979611296, 1.027889937768264,
    225.20515300849274, 0.0, 0.0,
    19.213238186143016, 0.0011401524586618361, 0.001237755635509985,
    176.39317598450694, 0.0, 0.0,
    24.43300999870476, 0.28520802612117757, 0.0004485436923833408,
    0.0, 0.0, 0.0,
    34.77906344483772, 44.835625328877896, 0.0,
    0.0, 0.0, 0.0,
    0.0, 0.0, 0.0,
    0.0, 0.0008680556573291698, 0.0,
    0.0, 0.0, 0.0,
    0.0, 0.0005313191874358747, 0.0,
    0.00016533814161379112, 0.0, 0.0,
    0.0, 0.0, 0.0,
    0.0004179171803251336, 0.0017290828234722833, 0.0,
    0.0020827005846636437, 0.0, 0.0,
    8.826982764996862, 23.19243343998926, 0.0,
    95.1080498811086, 0.9863978034400682, 0.9834382792465353,
    0.0012286405048278493, 171.2667255897307, 0.9807858872435379,
    0.0, 0.0, 0.0,
    0.0005130064588990679, 0.0, 0.00010854057858411537,
], dtype=np.float64)
# fmt: on


def _recursive_gaussian_kernel(sigma: float) -> F64:
    """The impulse response of libjxl's recursive Gaussian (tools/gauss_blur.cc)."""
    # Charalampidis, "Recursive implementation of the Gaussian filter using truncated cosine
    # functions" (2016), equations as numbered in libjxl's CreateRecursiveGaussian.
    radius = round(3.2795 * sigma + 0.2546)  # (57), "N"
    omega = np.pi / (2.0 * radius) * np.array([1.0, 3.0, 5.0])
    p = np.array([1.0, -1.0, 1.0]) / np.tan(0.5 * omega)  # (37)
    r = np.array([1.0, -1.0, 1.0]) * p * p / np.sin(omega)  # (44)
    rho = np.exp(-0.5 * sigma * sigma * omega * omega) / radius  # (50)
    d_13 = p[0] * r[1] - r[0] * p[1]
    d_35 = p[1] * r[2] - r[1] * p[2]
    d_51 = p[2] * r[0] - r[2] * p[0]
    zeta_15, zeta_35 = d_35 / d_13, d_51 / d_13  # (52)
    a = np.array([p, r, [zeta_15, zeta_35, 1.0]])  # (56)
    gamma = np.array([1.0, radius * radius - sigma * sigma, zeta_15 * rho[0] + zeta_35 * rho[1]])
    gamma[2] += rho[2]  # (55)
    beta = np.linalg.solve(a, gamma)  # (53)
    n2 = -beta * np.cos(omega * (radius + 1.0))  # (33)
    d1 = -2.0 * np.cos(omega)
    # Run the recursion y[n] = n2 (x[n-N-1] + x[n+N-1]) - d1 y[n-1] - y[n-2] on an impulse:
    # each resonator's oscillation is cancelled 2N samples after it starts, so the response
    # is finite, 2N - 1 taps wide.
    length = 4 * radius + 1
    centre = 2 * radius
    x = np.zeros(length)
    x[centre] = 1.0
    prev = np.zeros(3)
    prev2 = np.zeros(3)
    response = np.zeros(length)
    for n in range(-radius + 1, length):
        left, right = n - radius - 1, n + radius - 1
        total = (x[left] if left >= 0 else 0.0) + (x[right] if right < length else 0.0)
        y = n2 * total - d1 * prev - prev2
        prev2, prev = prev, y
        if n >= 0:
            response[n] = y.sum()
    taps: F64 = response[centre - radius + 1 : centre + radius]
    return taps


_KERNEL: Final = _recursive_gaussian_kernel(_SIGMA)
_PAD: Final = (len(_KERNEL) - 1) // 2  # 4: pixels beyond an edge that a tap can reach


def _band_matrix(block: int) -> F32:
    """(block, block + 2*pad) matrix whose row i holds the kernel at columns i..i+2*pad."""
    band = np.zeros((block, block + 2 * _PAD), dtype=np.float32)
    for i in range(block):
        band[i, i : i + 2 * _PAD + 1] = _KERNEL
    return band


_BAND: Final = _band_matrix(_BLOCK)
_BAND_T: Final = np.ascontiguousarray(_BAND.T)


def _srgb_to_linear_table() -> F32:
    """Linear value of each 8-bit sRGB code (the exact sRGB transfer function)."""
    v = np.arange(256, dtype=np.float64) / 255.0
    linear = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return linear.astype(np.float32)


_SRGB_TO_LINEAR: Final = _srgb_to_linear_table()


def _as_rgb8(image: ImageInput, what: str) -> U8:
    """The pixels of an RGB image or HxWx3 uint8 array, as a uint8 array (no copy)."""
    if isinstance(image, Image.Image):
        if image.mode != "RGB":
            raise ValueError(f"{what} must be an RGB image, not mode {image.mode!r}")
        array = np.asarray(image)
    elif isinstance(image, np.ndarray):
        array = image
    else:
        raise TypeError(f"{what} must be a PIL image or a numpy array, not {type(image)!r}")
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"{what} must be HxWx3 uint8, not {array.shape} {array.dtype}")
    height, width = array.shape[:2]
    if height < MIN_SIZE or width < MIN_SIZE:
        raise ValueError(f"{what} is {width}x{height}; SSIMULACRA2 needs at least 8x8 pixels")
    rgb: U8 = array
    return rgb


def _num_scales(height: int, width: int) -> int:
    """How many scales libjxl computes: the next one while the current is at least 8x8."""
    count = 1
    while count < NUM_SCALES and min(height, width) >= MIN_SIZE:
        height, width = (height + 1) // 2, (width + 1) // 2
        count += 1
    return count


def _scale_weights(num_scales: int) -> F64:
    """The weights as [scale, channel, norm, map] for an image with `num_scales` scales."""
    # libjxl takes the weights in the order channel, scale, norm, map: with fewer than 6
    # scales (images under 256 px) the later channels use the following weights.
    table = _WEIGHTS[: 18 * num_scales].reshape(3, num_scales, 2, 3)
    weights: F64 = table.transpose(1, 0, 2, 3)
    return weights


def _linear_planes(rgb: U8) -> F32:
    """Linear RGB as a (3, H, W) stack, through a 256-entry table."""
    # Indexing with the transposed view gives planes over interleaved memory: a faster gather
    # than into contiguous planes, and the first readers (XYB, downsampling) do not mind.
    planes: F32 = _SRGB_TO_LINEAR[rgb.transpose(2, 0, 1)]
    return planes


def _downsample(linear: F32) -> F32:
    """2x2 box average of a (3, H, W) stack; an odd last row or column pairs with itself."""
    _, height, width = linear.shape
    h2, w2 = height // 2, width // 2
    out = np.empty((3, (height + 1) // 2, (width + 1) // 2), dtype=np.float32)
    # Same summation order as libjxl's Downsample, so the sums round alike.
    even = out[:, :h2, :w2]
    np.add(
        linear[:, 0 : 2 * h2 : 2, 0 : 2 * w2 : 2], linear[:, 0 : 2 * h2 : 2, 1 : 2 * w2 : 2], even
    )
    even += linear[:, 1 : 2 * h2 : 2, 0 : 2 * w2 : 2]
    even += linear[:, 1 : 2 * h2 : 2, 1 : 2 * w2 : 2]
    if width % 2:  # the last column: libjxl clamps x, so each pixel counts twice
        column = linear[:, 0 : 2 * h2 : 2, -1] * np.float32(2.0)
        column += linear[:, 1 : 2 * h2 : 2, -1]
        column += linear[:, 1 : 2 * h2 : 2, -1]
        out[:, :h2, -1] = column
    if height % 2:  # the last row, likewise
        row = linear[:, -1, 0 : 2 * w2 : 2] + linear[:, -1, 1 : 2 * w2 : 2]
        row += linear[:, -1, 0 : 2 * w2 : 2]
        row += linear[:, -1, 1 : 2 * w2 : 2]
        out[:, -1, :w2] = row
    if height % 2 and width % 2:
        out[:, -1, -1] = linear[:, -1, -1] * np.float32(4.0)
    out *= np.float32(0.25)
    return out


def _xyb(linear: F32, out: Sequence[F32]) -> None:
    """Linear RGB (3, H, W) to XYB planes out[0..2], rescaled as libjxl's MakePositiveXYB."""
    _, height, width = linear.shape
    rows = max(1, _CHUNK_PIXELS // width)
    scratch = np.empty((2, rows, width), dtype=np.float32)
    for y in range(0, height, rows):  # in chunks whose temporaries stay in the CPU caches
        chunk = slice(y, min(height, y + rows))
        tmp, half_sum = scratch[0, : chunk.stop - y], scratch[1, : chunk.stop - y]
        lin = linear[:, chunk]
        for i in range(3):
            mixed = out[i][chunk]
            np.multiply(lin[0], _OPSIN[i, 0], out=mixed)
            np.multiply(lin[1], _OPSIN[i, 1], out=tmp)
            mixed += tmp
            np.multiply(lin[2], _OPSIN[i, 2], out=tmp)
            mixed += tmp
            mixed += _OPSIN_BIAS
            # No clamp at zero as in libjxl: 8-bit sRGB is in gamut, so mixed >= bias > 0.
            # The cube root as exp(log(x) / 3): numpy's float32 exp and log are vectorised
            # (SIMD), np.cbrt calls the C library per element, 4x slower; 3 ulp instead of 1.
            np.log(mixed, out=mixed)
            mixed *= np.float32(1.0 / 3.0)
            np.exp(mixed, out=mixed)
        c0, c1, c2 = (plane[chunk] for plane in out)
        # With c_i = cbrt(mixed_i), X = (c0 - c1) / 2, Y = (c0 + c1) / 2 - cbrt(bias) and
        # B = c2 - cbrt(bias); the rescaling makes X*14 + 0.42, Y + 0.01 and B - Y + 0.55, in
        # which cbrt(bias) cancels except in Y.
        np.add(c0, c1, out=half_sum)
        half_sum *= np.float32(0.5)
        np.subtract(c0, c1, out=c0)
        c0 *= np.float32(7.0)
        c0 += np.float32(0.42)
        np.subtract(c2, half_sum, out=c2)
        c2 += np.float32(0.55)
        np.add(half_sum, np.float32(0.01) - _CBRT_BIAS, out=c1)


def _padded_stack(planes: int, height: int, width: int) -> tuple[F32, F32]:
    """A buffer for `_blur` with zero rows above and below, and the planes' view to fill."""
    rows = -(-height // _BLOCK) * _BLOCK + 2 * _PAD
    buffer = np.empty((planes, rows, width), dtype=np.float32)
    buffer[:, :_PAD] = 0.0
    buffer[:, _PAD + height :] = 0.0
    return buffer, buffer[:, _PAD : _PAD + height]


def _blur(buffer: F32, height: int) -> F32:
    """The 9-tap blur of every plane of a `_padded_stack` buffer, zero outside the image."""
    planes, rows, width = buffer.shape
    flat = buffer.reshape(planes * rows, width)
    middle = np.empty_like(buffer)
    flat_middle = middle.reshape(planes * rows, width)
    # Horizontal pass, over all rows of all planes at once (zero rows stay zero). Each block
    # of _BLOCK output columns is its (_BLOCK + 8)-column window times the band matrix; the
    # windows overlap, and as_strided makes them without copying.
    inner = range(1, (width - _BLOCK - _PAD) // _BLOCK + 1)  # blocks whose window fits
    if len(inner):
        start = inner.start * _BLOCK
        row_stride, col_stride = flat.strides
        windows = as_strided(
            flat[:, start - _PAD :],
            shape=(len(inner), planes * rows, _BLOCK + 2 * _PAD),
            strides=(_BLOCK * col_stride, row_stride, col_stride),
            writeable=False,
        )
        target = as_strided(
            flat_middle[:, start:],
            shape=(len(inner), planes * rows, _BLOCK),
            strides=(_BLOCK * col_stride, row_stride, col_stride),
        )
        np.matmul(windows, _BAND_T, out=target)
    # The other blocks touch an image edge: beyond it the input is zero, so their products
    # drop the band's columns (and rows) that fall outside.
    for block in range(-(-width // _BLOCK)):
        if block in inner:
            continue
        lo, hi = block * _BLOCK, min(width, (block + 1) * _BLOCK)
        first, last = max(0, lo - _PAD), min(width, hi + _PAD)
        band = _BAND_T[first - lo + _PAD : last - lo + _PAD, : hi - lo]
        np.matmul(flat[:, first:last], band, out=flat_middle[:, lo:hi])
    # Vertical pass: the same with windows of rows, within each plane.
    m_plane, m_row, m_col = middle.strides
    row_blocks = (rows - 2 * _PAD) // _BLOCK
    windows = as_strided(
        middle,
        shape=(planes, row_blocks, _BLOCK + 2 * _PAD, width),
        strides=(m_plane, _BLOCK * m_row, m_row, m_col),
        writeable=False,
    )
    blurred: F32 = np.matmul(_BAND, windows).reshape(planes, row_blocks * _BLOCK, width)
    return blurred[:, :height]


def _chunks(height: int, width: int) -> list[slice]:
    """Row ranges small enough that a chunk's temporaries stay in the CPU caches."""
    rows = max(1, _CHUNK_PIXELS // width)
    return [slice(y, min(y + rows, height)) for y in range(0, height, rows)]


def _add_norms(values: F32, sums: F64, weights: F64) -> None:
    """Add the per-plane sums of `values` (1-norm) and of their 4th powers (4-norm) to `sums`.

    Only the norms with a nonzero weight are summed; `values` is overwritten.
    """
    if weights[:, 0].any():
        sums[:, 0] += values.sum(axis=(1, 2))
    if weights[:, 1].any():
        np.square(values, out=values)
        np.square(values, out=values)
        sums[:, 1] += values.sum(axis=(1, 2))


def _weighted_norms(sums: F64, count: int, weights: F64) -> float:
    """The weighted sum of the 1-norms and 4-norms whose sums `_add_norms` collected."""
    norms = np.abs(sums) / count
    norms[:, 1] = np.sqrt(np.sqrt(norms[:, 1]))
    return float((weights * norms).sum())


class _ReferenceScale:
    """What one scale of the original contributes to every comparison.

    Planes are kept in the order: channels with only an SSIM map, channels with both maps,
    channels with only edge maps, so that each kind of map works on one contiguous slice.
    """

    def __init__(self, linear: F32, weights: F64) -> None:
        """Convert to XYB and blur: means, variances plus C2, and the edge terms."""
        _, height, width = linear.shape
        ssim = [c for c in range(3) if weights[c, :, 0].any()]
        edge = [c for c in range(3) if weights[c, :, 1:].any()]
        both = [c for c in ssim if c in edge]
        order = [c for c in ssim if c not in both] + both + [c for c in edge if c not in both]
        self.height, self.width = height, width
        self.order = order
        self.n_ssim = len(ssim)
        self.edge_from = len(order) - len(edge)
        self.weights = weights[order]  # (planes, norm, map)
        if not order:
            return
        n, k = len(order), self.n_ssim
        buffer, inner = _padded_stack(n + k, height, width)
        img1 = inner[:n]
        _xyb(linear, self.xyb_targets(img1))
        np.multiply(img1[:k], img1[:k], out=inner[n:])
        blurred = _blur(buffer, height)
        mu1 = np.ascontiguousarray(blurred[:n])
        var1 = blurred[n:] - np.square(mu1[:k])
        var1 += _C2
        edge1 = np.abs(img1[self.edge_from :] - mu1[self.edge_from :])
        inv_edge1 = edge1 + np.float32(1.0)
        np.reciprocal(inv_edge1, out=inv_edge1)
        self.img1 = np.ascontiguousarray(img1[:k])
        self.mu1 = mu1
        self.var1_c2 = var1
        self.edge1 = edge1
        self.inv_edge1 = inv_edge1

    def xyb_targets(self, planes: F32) -> list[F32]:
        """Where `_xyb` writes X, Y and B: their planes in `order`, else scratch planes."""
        shape = (self.height, self.width)
        return [
            planes[self.order.index(c)] if c in self.order else np.empty(shape, np.float32)
            for c in range(3)
        ]

    def compare(self, linear: F32) -> float:
        """The weighted sum of the norms of the maps of the distorted scale `linear`."""
        if not self.order:
            return 0.0
        height, width = self.height, self.width
        n, k, e = len(self.order), self.n_ssim, self.edge_from
        buffer, inner = _padded_stack(n + 2 * k, height, width)
        img2 = inner[:n]
        _xyb(linear, self.xyb_targets(img2))
        np.multiply(img2[:k], img2[:k], out=inner[n : n + k])
        diff = inner[n + k :]
        np.subtract(self.img1, img2[:k], out=diff)
        np.multiply(diff, diff, out=diff)
        blurred = _blur(buffer, height)

        w_ssim = self.weights[:k, :, 0]
        w_artifact = self.weights[e:, :, 1]
        w_detail = self.weights[e:, :, 2]
        ssim_sums = np.zeros((k, 2))
        artifact_sums = np.zeros((n - e, 2))
        detail_sums = np.zeros((n - e, 2))
        chunks = _chunks(height, width)
        scratch = np.empty((3, max(k, n - e), chunks[0].stop, width), dtype=np.float32)
        for chunk in chunks:
            rows = chunk.stop - chunk.start
            if k:
                a, b, c = scratch[0, :k, :rows], scratch[1, :k, :rows], scratch[2, :k, :rows]
                mu2 = blurred[:k, chunk]
                var12 = blurred[n + k :, chunk]
                # SSIM map. With t = mu1 - mu2, var12 = var1 + var2 - 2 cov12 is
                # G(diff^2) - t^2 and with denom = var1 + var2 + C2, the error
                # 1 - (1 - t^2) (2 cov12 + C2) / denom equals (var12 + t^2 (2 cov12 + C2)) / denom.
                np.subtract(self.mu1[:k, chunk], mu2, out=a)
                np.multiply(a, a, out=a)  # t^2
                np.multiply(mu2, mu2, out=b)
                np.subtract(blurred[n : n + k, chunk], b, out=b)
                b += self.var1_c2[:, chunk]  # denom
                var12 -= a
                np.subtract(b, var12, out=c)  # 2 cov12 + C2
                c *= a
                c += var12
                c /= b
                np.maximum(c, np.float32(0.0), out=c)
                _add_norms(c, ssim_sums, w_ssim)
            if n > e:
                a, b = scratch[0, : n - e, :rows], scratch[1, : n - e, :rows]
                # Edge map: (1 + |e2|) / (1 + |e1|) - 1 = (|e2| - |e1|) / (1 + |e1|).
                np.subtract(img2[e:, chunk], blurred[e:n, chunk], out=a)
                np.abs(a, out=a)
                a -= self.edge1[:, chunk]
                a *= self.inv_edge1[:, chunk]
                np.maximum(a, np.float32(0.0), out=b)
                _add_norms(b, artifact_sums, w_artifact)
                np.minimum(a, np.float32(0.0), out=b)  # minus the detail lost (abs later)
                _add_norms(b, detail_sums, w_detail)
        count = height * width
        return (
            _weighted_norms(ssim_sums, count, w_ssim)
            + _weighted_norms(artifact_sums, count, w_artifact)
            + _weighted_norms(detail_sums, count, w_detail)
        )


def _score(weighted_sum: float) -> float:
    """libjxl's Msssim::Score(): map the weighted sum of norms to the 100-point scale."""
    x = weighted_sum * 0.9562382616834844
    x = 2.326765642916932 * x - 0.020884521182843837 * x * x + 6.248496625763138e-05 * x * x * x
    if x <= 0.0:
        return 100.0
    return float(100.0 - 10.0 * x**0.6276336467831387)


class Ssimulacra2Reference:
    """An original image prepared once, to score many distorted versions of it.

    Nothing is changed after construction, so threads may share an instance. While it computes,
    BLAS is limited to one thread (a process-wide setting, restored afterwards).
    """

    def __init__(self, reference: ImageInput) -> None:
        """Precompute the original's XYB pyramid, blurred means, variances and edge terms."""
        rgb = _as_rgb8(reference, "reference")
        self._shape = rgb.shape
        height, width = rgb.shape[:2]
        weights = _scale_weights(_num_scales(height, width))
        self._scales: list[_ReferenceScale] = []
        with _BLAS.limit(limits=1, user_api="blas"):
            linear = _linear_planes(rgb)
            for scale, scale_weights in enumerate(weights):
                if scale:
                    linear = _downsample(linear)
                self._scales.append(_ReferenceScale(linear, scale_weights))

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the original."""
        return self._shape[1], self._shape[0]

    def score(self, distorted: ImageInput) -> float:
        """SSIMULACRA2 score of `distorted` (same size, RGB) against the original."""
        rgb = _as_rgb8(distorted, "distorted")
        if rgb.shape != self._shape:
            width, height = self.size
            raise ValueError(
                f"distorted is {rgb.shape[1]}x{rgb.shape[0]}, the reference {width}x{height}"
            )
        total = 0.0
        with _BLAS.limit(limits=1, user_api="blas"):
            linear = _linear_planes(rgb)
            for scale, reference in enumerate(self._scales):
                if scale:
                    linear = _downsample(linear)
                total += reference.compare(linear)
        return _score(total)


def ssimulacra2(reference: ImageInput, distorted: ImageInput) -> float:
    """SSIMULACRA2 score of `distorted` against `reference` (same size, RGB, at least 8x8)."""
    ref = _as_rgb8(reference, "reference")
    dist = _as_rgb8(distorted, "distorted")
    if ref.shape != dist.shape:
        raise ValueError(
            f"distorted is {dist.shape[1]}x{dist.shape[0]}, the reference "
            f"{ref.shape[1]}x{ref.shape[0]}"
        )
    return Ssimulacra2Reference(ref).score(dist)
