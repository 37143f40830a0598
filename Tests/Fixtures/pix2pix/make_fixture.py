"""Writes the pix2pix parity fixture the neural engine's tests compare against.

Run once, with PyTorch on CPU (not needed by the tests or CI):

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install "torch==2.13.0+cpu" safetensors numpy
    /tmp/torchenv/bin/python Tests/Fixtures/pix2pix/make_fixture.py Tests/Fixtures/pix2pix

The networks are pix2pix's unet_256 generator and basic (70 x 70) PatchGAN discriminator as
junyanz/pytorch-CycleGAN-and-pix2pix defines them (models/networks.py: UnetGenerator,
UnetSkipConnectionBlock, NLayerDiscriminator, batch normalisation), written out here in the same
layer order, names and in-place activations, at small widths so the fixture stays small:
ngf 4, 8 halvings, 256 x 256 RGB input; ndf 8, 3 layers, 6 input channels.

Files:
- unet.safetensors, patchgan.safetensors: the state_dicts exactly as PyTorch saves them
  (float32 tensors plus the int64 `num_batches_tracked` counters).
- io.safetensors: the input and the reference results:
  input [1,3,256,256] uniform in [-1, 1);
  unet.eval = G(input) in eval mode (running statistics, dropout off);
  patchgan.eval = D(cat(input, unet.eval)) in eval mode;
  unet.train = G'(input) in train mode (batch statistics), G' = G without dropout (same weights);
  grad.* = gradients of sum(G'(input) * unet.eval) with respect to the input and to some weights;
  running.* = some running statistics after that one train-mode pass;
  patchgan.train and patchgan.grad.* likewise for D (probe: all ones).
"""
import sys

import torch
import torch.nn as nn
from safetensors.torch import save_file


class UnetSkipConnectionBlock(nn.Module):
    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None, outermost=False, innermost=False,
                 use_dropout=False):
        super().__init__()
        self.outermost = outermost
        if input_nc is None:
            input_nc = outer_nc
        downconv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=False)
        downrelu = nn.LeakyReLU(0.2, True)
        downnorm = nn.BatchNorm2d(inner_nc)
        uprelu = nn.ReLU(True)
        upnorm = nn.BatchNorm2d(outer_nc)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)
            model = [downconv, submodule, uprelu, upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1, bias=False)
            model = [downrelu, downconv, uprelu, upconv, upnorm]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1, bias=False)
            model = [downrelu, downconv, downnorm, submodule, uprelu, upconv, upnorm]
            if use_dropout:
                model += [nn.Dropout(0.5)]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, num_downs, ngf, use_dropout):
        super().__init__()
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, use_dropout=use_dropout)
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block)
        self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc=input_nc, submodule=block, outermost=True)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf, n_layers):
        super().__init__()
        sequence = [nn.Conv2d(input_nc, ndf, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            previous, mult = mult, min(2 ** n, 8)
            sequence += [nn.Conv2d(ndf * previous, ndf * mult, kernel_size=4, stride=2, padding=1, bias=False),
                         nn.BatchNorm2d(ndf * mult), nn.LeakyReLU(0.2, True)]
        previous, mult = mult, min(2 ** n_layers, 8)
        sequence += [nn.Conv2d(ndf * previous, ndf * mult, kernel_size=4, stride=1, padding=1, bias=False),
                     nn.BatchNorm2d(ndf * mult), nn.LeakyReLU(0.2, True)]
        sequence += [nn.Conv2d(ndf * mult, 1, kernel_size=4, stride=1, padding=1)]
        self.model = nn.Sequential(*sequence)

    def forward(self, x):
        return self.model(x)


def vary_normalisation(net, generator):
    """Non-trivial affine parameters and running statistics, so eval mode tests them."""
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5, generator=generator)
                m.bias.uniform_(-0.2, 0.2, generator=generator)
                m.running_mean.uniform_(-0.1, 0.1, generator=generator)
                m.running_var.uniform_(0.5, 2.0, generator=generator)
                m.num_batches_tracked.fill_(7)


def main(out):
    torch.manual_seed(20261202)
    generator = torch.Generator().manual_seed(7)
    G = UnetGenerator(3, 3, 8, ngf=4, use_dropout=True)
    D = NLayerDiscriminator(6, ndf=8, n_layers=3)
    vary_normalisation(G, generator)
    vary_normalisation(D, generator)
    x = torch.rand(1, 3, 256, 256, generator=generator) * 2 - 1
    io = {"input": x}

    G.eval()
    D.eval()
    with torch.no_grad():
        io["unet.eval"] = G(x.clone())
        io["patchgan.eval"] = D(torch.cat([x, io["unet.eval"]], 1))
    save_file({k: v.contiguous() for k, v in G.state_dict().items()}, f"{out}/unet.safetensors")
    save_file({k: v.contiguous() for k, v in D.state_dict().items()}, f"{out}/patchgan.safetensors")

    trained = UnetGenerator(3, 3, 8, ngf=4, use_dropout=False)
    trained.load_state_dict(G.state_dict())
    trained.train()
    xi = x.clone().requires_grad_(True)
    y = trained(xi)
    (y * io["unet.eval"]).sum().backward()
    io["unet.train"] = y.detach()
    io["grad.input"] = xi.grad
    params = dict(trained.named_parameters())
    for name in ["model.model.0.weight", "model.model.1.model.1.weight", "model.model.1.model.2.weight",
                 "model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.1.weight",
                 "model.model.1.model.3.model.5.weight", "model.model.1.model.6.bias", "model.model.3.weight",
                 "model.model.3.bias"]:
        io[f"grad.{name}"] = params[name].grad
    state = trained.state_dict()
    for name in ["model.model.1.model.2.running_mean", "model.model.1.model.2.running_var",
                 "model.model.1.model.6.running_var"]:
        io[f"running.{name}"] = state[name]

    D.train()
    d_input = torch.cat([x, io["unet.eval"]], 1).requires_grad_(True)
    score = D(d_input)
    score.sum().backward()
    io["patchgan.train"] = score.detach()
    io["patchgan.grad.input"] = d_input.grad
    d_params = dict(D.named_parameters())
    for name in ["model.0.weight", "model.0.bias", "model.5.weight", "model.9.weight", "model.11.weight"]:
        io[f"patchgan.grad.{name}"] = d_params[name].grad
    save_file({k: v.contiguous() for k, v in io.items()}, f"{out}/io.safetensors",
              metadata={"torch": torch.__version__, "script": "Tests/Fixtures/pix2pix/make_fixture.py"})
    print("unet.eval std %.3f, |max| %.3f; patchgan.eval std %.3f" % (
        io["unet.eval"].std().item(), io["unet.eval"].abs().max().item(), io["patchgan.eval"].std().item()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
