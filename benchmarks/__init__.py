"""Speed and quality benchmarks: ``python -m benchmarks <name>`` (no name lists them).

Each benchmark runs our code and its peers (other libraries, or the bare training loop) side by
side in the same process, prints a table of figures, ratios and targets, and writes JSON to
``benchmarks/results/<name>.json``. Benchmarks are not part of the test suite.
"""

BENCHMARKS = {
    "flows": "Normalizing flows vs normflows and zuko: KL on ring8 after 20 s, training steps/s.",
    "gans": "GANs: iterations/s vs a textbook loop, live page overhead, mode collapse presets on ring/grid.",
    "divergences": "Divergences page: slider -> every divergence redrawn (browser), fit matrix refit vs one fit at a time, variational estimate after 5 s.",
    "stylegan": "Style Mixing page: a 6 x 6 mixing grid (server and browser), mixing measured with the classifier, classifier-feature FID.",
    "crowd": "A workshop without browsers: N simulated visitors (websocket protocol) train at once; load, fairness, frames, PSS, leftover trainers.",
    "first_view": "Every page's first view and the first Train in Chromium, right after start and warm: serve.py vs app.py.",
    "backends": "Trainer backends: the ray backend beside the process one: start, command round trip, snapshot age, steps/s.",
    "autoencoders": "Autoencoders page: shipped AEs vs PCA, JPEG and filters (error, rate, PSNR, NMI, AUC), live AE speed, each view's redraw (browser).",
    "autoregressive": "Autoregressive page: shipped models' held-out NLL vs the VAEs' bounds, sampling ms/digit, the pixel-by-pixel view's frames/s, RNADE vs the default flow on ring8 (KL after 20 s).",
    "diffusion": "Diffusion and flow matching vs the default flow on ring8 and the checkerboard (KL after 30 s through the ODE), W1 against sampling steps for every sampler.",
    "arena": "Arena: every family (flow, GAN, VAE, DDPM, flow matching, RNADE) on ring8, grid25 and two moons, 30 s of training each: KL, W1, MMD, modes, sampling time, winners.",
    "image_gans": "Image GANs (DCGAN, projection cGAN, ACGAN, InfoGAN): classifier-FID and IS on 5,000 samples, class accuracy, InfoGAN's code-digit agreement, training time.",
    "minimax": "Minimax page: every update rule on the bilinear game, 1,000 iterates, computed and drawn (<= 100 ms), vs the notes' PyTorch recipe.",
    "evaluation": "Every shipped image model: classifier-feature FID, Inception score, precision/recall, test likelihood, sampling time (--ship: the Evaluation page's table).",
    "sample_metrics": "Mode statistics, W1 and the CSV upload's refusals: ms against a Python loop, a larger W1 problem and a full parse.",
    "vae": "VAE page: latent grid and drawn-digit posterior latency (server and browser), first view, shipped models' quality vs a 13-s peer.",
}
