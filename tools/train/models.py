"""Real-time segmentation networks for Tessera, trainable from scratch.

The default, ``tseg``, is a Fast-SCNN-style network (learning-to-downsample
stem, MobileNetV2 inverted residuals at 1/16 and 1/32, pyramid pooling)
with a U-shaped decoder that fuses 1/32 -> 1/16 -> 1/8, and auxiliary heads
for deep supervision while training. It is fully convolutional, takes a
normalised RGB tensor [N, 3, H, W] (H, W multiples of ``size_divisor`` give
exactly aligned features; other sizes work too) and returns class logits
[N, num_classes, ceil(H/8), ceil(W/8)] as a plain tensor in eval mode.

Only operators that LibTorch 1.13 has are used: conv2d (incl. groups),
batch_norm (folded into the convolutions by ``fuse_model`` before export),
relu, adaptive_avg_pool2d, mean, bilinear interpolate (align_corners=False),
cat and add.

Usage:
    model = build_model("tseg", num_classes=11, width=1.0)
    logits = model(x)                    # eval: tensor; train: (main, aux...)
    fuse_model(model.eval())             # fold BatchNorm for export
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def make_divisible(value, divisor=8):
    """Rounds a channel count to the nearest multiple of divisor (>= divisor)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


class ConvBNAct(nn.Module):
    """Conv2d (no bias) + BatchNorm + optional ReLU; ``fuse`` folds the BN."""

    def __init__(self, cin, cout, k=3, s=1, groups=1, dilation=1, act=True):
        super().__init__()
        pad = dilation * (k - 1) // 2
        self.conv = nn.Conv2d(cin, cout, k, s, pad, dilation=dilation,
                              groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = nn.ReLU(inplace=True) if act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))

    @torch.no_grad()
    def fuse(self):
        if isinstance(self.bn, nn.Identity):
            return
        bn = self.bn
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        conv = self.conv
        fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                          conv.stride, conv.padding, dilation=conv.dilation,
                          groups=conv.groups, bias=True)
        fused.weight.copy_(conv.weight * scale.reshape(-1, 1, 1, 1))
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.bias)
        fused.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
        self.conv = fused.to(conv.weight.device)
        self.bn = nn.Identity()


class DSConv(nn.Module):
    """Depthwise-separable conv: dw3x3 (stride s) + pw1x1, each BN + ReLU."""

    def __init__(self, cin, cout, s=1, act=True):
        super().__init__()
        self.dw = ConvBNAct(cin, cin, 3, s, groups=cin)
        self.pw = ConvBNAct(cin, cout, 1, act=act)

    def forward(self, x):
        return self.pw(self.dw(x))


class InvertedResidual(nn.Module):
    """MobileNetV2 block: pw expand (t) -> dw3x3 (stride s) -> pw project."""

    def __init__(self, cin, cout, s=1, t=6, dilation=1):
        super().__init__()
        hidden = cin * t
        self.use_res = s == 1 and cin == cout
        self.expand = ConvBNAct(cin, hidden, 1)
        self.dw = ConvBNAct(hidden, hidden, 3, s, groups=hidden,
                            dilation=dilation)
        self.project = ConvBNAct(hidden, cout, 1, act=False)

    def forward(self, x):
        y = self.project(self.dw(self.expand(x)))
        return x + y if self.use_res else y


def _stage(cin, cout, n, s, t):
    layers = [InvertedResidual(cin, cout, s, t)]
    layers += [InvertedResidual(cout, cout, 1, t) for _ in range(n - 1)]
    return nn.Sequential(*layers)


def _up(x, like):
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear",
                         align_corners=False)


class PyramidPooling(nn.Module):
    """PSP-style context: adaptive average pools at a few bins, fused by 1x1."""

    def __init__(self, cin, cout, bins=(1, 2, 3, 6)):
        super().__init__()
        inter = make_divisible(cin // 4)
        self.bins = bins
        self.branches = nn.ModuleList(
            [ConvBNAct(cin, inter, 1) for _ in bins])
        self.out = ConvBNAct(cin + inter * len(bins), cout, 1)

    def forward(self, x):
        feats = [x]
        for size, branch in zip(self.bins, self.branches):
            feats.append(_up(branch(F.adaptive_avg_pool2d(x, size)), x))
        return self.out(torch.cat(feats, 1))


class Fuse(nn.Module):
    """Upsamples a coarse map to a skip's size and merges: dw3x3(up) + 1x1(skip)."""

    def __init__(self, c_low, c_skip, cout):
        super().__init__()
        self.low = nn.Sequential(
            ConvBNAct(c_low, c_low, 3, groups=c_low),
            ConvBNAct(c_low, cout, 1, act=False))
        self.skip = ConvBNAct(c_skip, cout, 1, act=False)
        self.act = nn.ReLU(inplace=True)

    def forward(self, low, skip):
        return self.act(self.low(_up(low, skip)) + self.skip(skip))


class Head(nn.Module):
    def __init__(self, cin, mid, num_classes, n_conv=1, dropout=0.1):
        super().__init__()
        convs = [DSConv(cin if i == 0 else mid, mid) for i in range(n_conv)]
        self.convs = nn.Sequential(*convs)
        self.drop = nn.Dropout2d(dropout) if dropout > 0 else nn.Identity()
        self.cls = nn.Conv2d(mid, num_classes, 1)

    def forward(self, x):
        return self.cls(self.drop(self.convs(x)))


class TSeg(nn.Module):
    """Fast-SCNN-style encoder with a 1/32 -> 1/16 -> 1/8 decoder."""

    size_divisor = 32
    output_stride = 8

    def __init__(self, num_classes=11, width=1.0, expansion=6,
                 depths=(3, 3, 3), aux=True):
        super().__init__()
        c = lambda v: make_divisible(v * width)
        c_stem = (c(32), c(48), c(64))
        c_s16, c_s32a, c_s32b = c(64), c(96), c(128)
        c_ctx, c_dec = c(128), c(128)
        self.stem = nn.Sequential(
            ConvBNAct(3, c_stem[0], 3, 2),             # 1/2
            DSConv(c_stem[0], c_stem[1], 2),           # 1/4
            DSConv(c_stem[1], c_stem[2], 2))           # 1/8
        self.s16 = _stage(c_stem[2], c_s16, depths[0], 2, expansion)
        self.s32 = nn.Sequential(
            _stage(c_s16, c_s32a, depths[1], 2, expansion),
            _stage(c_s32a, c_s32b, depths[2], 1, expansion))
        self.ppm = PyramidPooling(c_s32b, c_ctx)
        self.fuse16 = Fuse(c_ctx, c_s16, c_dec)
        self.fuse8 = Fuse(c_dec, c_stem[2], c_dec)
        self.head = Head(c_dec, c_dec, num_classes, n_conv=2)
        self.aux = aux
        if aux:
            self.aux16 = Head(c_dec, c(64), num_classes)
            self.aux32 = Head(c_ctx, c(64), num_classes)

    def forward(self, x):
        f8 = self.stem(x)
        f16 = self.s16(f8)
        f32 = self.ppm(self.s32(f16))
        d16 = self.fuse16(f32, f16)
        d8 = self.fuse8(d16, f8)
        out = self.head(d8)
        if self.training and self.aux:
            return out, self.aux16(d16), self.aux32(f32)
        return out


class TSeg4(TSeg):
    """TSeg with one more decoder step, 1/8 -> 1/4, for thin and small things.

    The 1/4 skip is the stem's second stage. Output stride 4: a 2-3 px pole
    or a distant pedestrian covers whole logit cells instead of a fraction
    of one. The 1/4 decoder is kept narrow (half the 1/8 width) so the extra
    resolution costs ~25 % more MACs, not 4x.
    """

    output_stride = 4

    def __init__(self, num_classes=11, width=1.0, expansion=6,
                 depths=(3, 3, 3), aux=True):
        super().__init__(num_classes, width, expansion, depths, aux)
        c = lambda v: make_divisible(v * width)
        c_dec, c_dec4 = c(128), c(64)
        self.fuse4 = Fuse(c_dec, c(48), c_dec4)
        self.head = Head(c_dec4, c_dec4, num_classes, n_conv=2)
        if aux:
            self.aux8 = Head(c_dec, c(64), num_classes)

    def forward(self, x):
        f4 = self.stem[1](self.stem[0](x))
        f8 = self.stem[2](f4)
        f16 = self.s16(f8)
        f32 = self.ppm(self.s32(f16))
        d16 = self.fuse16(f32, f16)
        d8 = self.fuse8(d16, f8)
        out = self.head(self.fuse4(d8, f4))
        if self.training and self.aux:
            return out, self.aux8(d8), self.aux16(d16), self.aux32(f32)
        return out


class TSeg2(TSeg4):
    """TSeg4 with a last decoder step, 1/4 -> 1/2, for 2-3 px wide things.

    The 1/2 skip is the stem's first convolution. A pole two pixels wide is
    half a logit cell at stride 4; at stride 2 it is a whole one. The 1/2
    decoder is narrow (32 channels at width 1.0): ~17 % more MACs.
    """

    output_stride = 2

    def __init__(self, num_classes=11, width=1.0, expansion=6,
                 depths=(3, 3, 3), aux=True):
        super().__init__(num_classes, width, expansion, depths, aux)
        c = lambda v: make_divisible(v * width)
        c_dec4, c_dec2 = c(64), c(32)
        self.fuse2 = Fuse(c_dec4, c(32), c_dec2)
        self.head = Head(c_dec2, c_dec2, num_classes, n_conv=2)
        if aux:
            self.aux4 = Head(c_dec4, c(64), num_classes)

    def forward(self, x):
        f2 = self.stem[0](x)
        f4 = self.stem[1](f2)
        f8 = self.stem[2](f4)
        f16 = self.s16(f8)
        f32 = self.ppm(self.s32(f16))
        d16 = self.fuse16(f32, f16)
        d8 = self.fuse8(d16, f8)
        d4 = self.fuse4(d8, f4)
        out = self.head(self.fuse2(d4, f2))
        if self.training and self.aux:
            return (out, self.aux4(d4), self.aux8(d8), self.aux16(d16),
                    self.aux32(f32))
        return out


class FastSCNN(nn.Module):
    """Fast-SCNN (Poudel et al. 2019), width-scalable, for comparison."""

    size_divisor = 32
    output_stride = 8

    def __init__(self, num_classes=11, width=1.0, aux=True):
        super().__init__()
        c = lambda v: make_divisible(v * width)
        self.stem = nn.Sequential(
            ConvBNAct(3, c(32), 3, 2), DSConv(c(32), c(48), 2),
            DSConv(c(48), c(64), 2))
        self.gfe = nn.Sequential(
            _stage(c(64), c(64), 3, 2, 6), _stage(c(64), c(96), 3, 2, 6),
            _stage(c(96), c(128), 3, 1, 6))
        self.ppm = PyramidPooling(c(128), c(128))
        self.fuse = Fuse(c(128), c(64), c(128))
        self.head = Head(c(128), c(128), num_classes, n_conv=2)
        self.aux = aux
        if aux:
            self.aux32 = Head(c(128), c(64), num_classes)

    def forward(self, x):
        f8 = self.stem(x)
        f32 = self.ppm(self.gfe(f8))
        out = self.head(self.fuse(f32, f8))
        if self.training and self.aux:
            return out, self.aux32(f32)
        return out


ARCHS = {"tseg": TSeg, "tseg4": TSeg4, "tseg2": TSeg2, "fastscnn": FastSCNN}


def build_model(arch, num_classes=11, width=1.0, aux=True):
    if arch not in ARCHS:
        raise ValueError(f"unknown --arch {arch!r}; expected one of "
                         f"{sorted(ARCHS)}")
    model = ARCHS[arch](num_classes=num_classes, width=width, aux=aux)
    init_weights(model)
    return model


def init_weights(model):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out",
                                    nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    # Small logits at the start (loss ~ ln(num_classes)).
    for m in model.modules():
        if isinstance(m, Head):
            nn.init.normal_(m.cls.weight, std=0.01)
    # Start every residual branch near identity: zero the last BN's gamma.
    for m in model.modules():
        if isinstance(m, InvertedResidual) and m.use_res:
            nn.init.zeros_(m.project.bn.weight)


def strip_aux(model):
    """Drops training-only parts (aux heads, dropout) before export."""
    for name in ("aux8", "aux16", "aux32"):
        if hasattr(model, name):
            delattr(model, name)
    model.aux = False
    for m in model.modules():
        if isinstance(m, Head):
            m.drop = nn.Identity()
    return model


def fuse_model(model):
    """Folds every BatchNorm into its convolution (model must be in eval)."""
    assert not model.training, "fuse_model needs eval mode"
    for m in model.modules():
        if isinstance(m, ConvBNAct):
            m.fuse()
    return model


class DuplicatedInputConv(nn.Module):
    """A dense 1x1 conv computed as a 2-group conv on [x, x] (same result).

    The grouped form makes LibTorch 1.13 use oneDNN even for small tensors.
    """

    def __init__(self, conv):
        super().__init__()
        assert conv.groups == 1 and conv.out_channels % 2 == 0
        self.conv = nn.Conv2d(conv.in_channels * 2, conv.out_channels, 1,
                              dilation=2, groups=2,
                              bias=conv.bias is not None)
        with torch.no_grad():
            self.conv.weight.copy_(conv.weight)
            if conv.bias is not None:
                self.conv.bias.copy_(conv.bias)

    def forward(self, x):
        return self.conv(torch.cat([x, x], 1))


@torch.no_grad()
def route_pointwise_to_onednn(model, probe_hw=(384, 480), small_stride=16):
    """Rewrites 1x1 convolutions so LibTorch 1.13 runs them with oneDNN.

    On one thread LibTorch 1.13 sends a plain 1x1 stride-1 convolution to its
    im2col + BLAS path (Debian links the reference BLAS: ~2 GMAC/s, 10x
    slower), and also any convolution whose input has <= 20480 elements
    unless it is grouped. Dilation changes nothing for a 1x1 kernel, so every
    1x1 conv gets dilation 2 (-> oneDNN); those that run at 1/small_stride of
    the input or coarser (small tensors) also become a 2-group conv on the
    input concatenated with itself (-> oneDNN at any size). Same numbers, a
    different backend in the exported graph. Call on a fused, eval model.
    """
    strides = {}

    def hook(module, inputs, output):
        strides[module] = probe_hw[0] / inputs[0].shape[2]

    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    handles = [m.register_forward_hook(hook) for m in convs]
    device = next(model.parameters()).device
    model(torch.zeros(1, 3, probe_hw[0], probe_hw[1], device=device))
    for h in handles:
        h.remove()
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if not (isinstance(child, nn.Conv2d)
                    and child.kernel_size == (1, 1) and child.stride == (1, 1)
                    and child.dilation == (1, 1) and child.groups == 1):
                continue
            if (strides.get(child, 0) >= small_stride
                    and child.out_channels % 2 == 0):
                setattr(parent, name, DuplicatedInputConv(child))
            else:
                child.dilation = (2, 2)
    return model


def count_params(model):
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def count_macs(model, height, width):
    """Multiply-accumulates of all convolutions for one [1,3,H,W] input."""
    macs = [0]

    def hook(m, inputs, output):
        k = m.kernel_size[0] * m.kernel_size[1]
        macs[0] += output.numel() * k * (m.in_channels // m.groups)

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, nn.Conv2d)]
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    model(torch.zeros(1, 3, height, width, device=device))
    model.train(was_training)
    for h in handles:
        h.remove()
    return macs[0]


def round_up(value, multiple):
    return int(math.ceil(value / multiple) * multiple)
