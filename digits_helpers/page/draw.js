/* Draw a digit: the book's networks classify the reader's handwriting in the browser.
 *
 * No library and no request outside the site: the page holds the networks' layers and
 * trained weights (a <script type="application/json" id="digits-draw-data"> element written
 * when the book is built by digits_helpers/page/draw.py, which also writes this script into
 * the page), and this script evaluates them as
 * Keras does at inference: convolutions, max pooling, batch normalisation with its moving
 * statistics, dense layers, ReLU and softmax; dropout passes values through.
 *
 * The drawing is prepared as MNIST's digits were: the ink's bounding box scaled to fit a
 * 20x20 box keeping its aspect ratio, then placed in a 28x28 image so that its centre of mass
 * is the image's centre; white on black, 0-255, then scaled as the network was trained.
 */
(function () {
  "use strict";

  function decode(array) {
    const bytes = Uint8Array.from(atob(array.data), (c) => c.charCodeAt(0));
    return { shape: array.shape, data: new Float32Array(bytes.buffer) };
  }

  function same(size, stride, kernel) {  // output size and leading padding of "same" (TensorFlow)
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + kernel - size, 0);
    return [out, Math.floor(total / 2)];
  }

  /** Output height and width and leading padding of a window (kh x kw, strides sh x sw). */
  function geometry(H, W, kh, kw, sh, sw, padding) {
    if (padding === "same") {
      const [Ho, pt] = same(H, sh, kh), [Wo, pl] = same(W, sw, kw);
      return [Ho, Wo, pt, pl];
    }
    return [Math.floor((H - kh) / sh) + 1, Math.floor((W - kw) / sw) + 1, 0, 0];
  }

  function conv2d(x, [H, W, C], layer) {
    const [kernel, bias] = layer.weights;
    const [kh, kw, , F] = kernel.shape;
    const [sh, sw] = layer.strides;
    const [Ho, Wo, pt, pl] = geometry(H, W, kh, kw, sh, sw, layer.padding);
    const k = kernel.data, out = new Float32Array(Ho * Wo * F);
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        const acc = new Float64Array(F);
        for (let f = 0; f < F; f++) acc[f] = bias ? bias.data[f] : 0;
        for (let di = 0; di < kh; di++) {
          const r = i * sh + di - pt;
          if (r < 0 || r >= H) continue;
          for (let dj = 0; dj < kw; dj++) {
            const c0 = j * sw + dj - pl;
            if (c0 < 0 || c0 >= W) continue;
            const xi = (r * W + c0) * C, ki = (di * kw + dj) * C * F;
            for (let c = 0; c < C; c++) {
              const v = x[xi + c];
              if (v === 0) continue;
              const kr = ki + c * F;
              for (let f = 0; f < F; f++) acc[f] += v * k[kr + f];
            }
          }
        }
        out.set(acc, (i * Wo + j) * F);
      }
    }
    return [activate(out, layer.activation, F), [Ho, Wo, F]];
  }

  function maxPool(x, [H, W, C], layer) {
    const [ph, pw] = layer.pool_size, [sh, sw] = layer.strides || layer.pool_size;
    const [Ho, Wo, pt, pl] = geometry(H, W, ph, pw, sh, sw, layer.padding);
    const out = new Float32Array(Ho * Wo * C).fill(-Infinity);
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        for (let di = 0; di < ph; di++) {
          const r = i * sh + di - pt;
          if (r < 0 || r >= H) continue;
          for (let dj = 0; dj < pw; dj++) {
            const c0 = j * sw + dj - pl;
            if (c0 < 0 || c0 >= W) continue;
            for (let c = 0; c < C; c++) {
              const o = (i * Wo + j) * C + c, v = x[(r * W + c0) * C + c];
              if (v > out[o]) out[o] = v;
            }
          }
        }
      }
    }
    return [out, [Ho, Wo, C]];
  }

  function batchNorm(x, shape, layer) {
    const w = layer.weights.map((a) => a.data);
    let n = 0;
    const gamma = layer.scale ? w[n++] : null, beta = layer.center ? w[n++] : null;
    const mean = w[n++], variance = w[n++];
    const C = shape[shape.length - 1], out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const c = i % C;
      let v = (x[i] - mean[c]) / Math.sqrt(variance[c] + layer.epsilon);
      if (gamma) v *= gamma[c];
      if (beta) v += beta[c];
      out[i] = v;
    }
    return [out, shape];
  }

  function dense(x, shape, layer) {
    const [kernel, bias] = layer.weights;
    const [n, U] = kernel.shape, k = kernel.data;
    const acc = new Float64Array(U);
    for (let u = 0; u < U; u++) acc[u] = bias ? bias.data[u] : 0;
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (v === 0) continue;
      for (let u = 0; u < U; u++) acc[u] += v * k[i * U + u];
    }
    return [activate(Float32Array.from(acc), layer.activation, U), [U]];
  }

  function activate(x, kind, width) {
    if (kind === "relu") {
      for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
    } else if (kind === "softmax") {
      for (let s = 0; s < x.length; s += width) {
        let top = -Infinity, sum = 0;
        for (let i = s; i < s + width; i++) top = Math.max(top, x[i]);
        const e = new Float64Array(width);
        for (let i = 0; i < width; i++) sum += (e[i] = Math.exp(x[s + i] - top));
        for (let i = 0; i < width; i++) x[s + i] = e[i] / sum;
      }
    } else if (kind !== "linear") {
      throw new Error("unknown activation " + kind);
    }
    return x;
  }

  const STEPS = {
    Conv2D: conv2d, MaxPooling2D: maxPool, BatchNormalization: batchNorm, Dense: dense,
    Flatten: (x, shape) => [x, [x.length]], Dropout: (x, shape) => [x, shape],
  };

  /** Class probabilities of `network` for one image: 784 pixels, 0-255, white on black. */
  function forward(network, pixels) {
    let x = new Float32Array(784), shape = network.input_shape;
    for (let i = 0; i < 784; i++) x[i] = network.centre ? pixels[i] / 255 - 0.5 : pixels[i] / 255;
    for (const layer of network.layers) [x, shape] = STEPS[layer.type](x, shape, layer);
    return Array.from(x);
  }

  /** A drawing (white strokes on black, any size) as MNIST's 28x28 pixels, 0-255; null if blank. */
  function preprocess(canvas) {
    const { width, height } = canvas;
    const rgba = canvas.getContext("2d").getImageData(0, 0, width, height).data;
    let top = height, left = width, bottom = -1, right = -1;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        if (rgba[(r * width + c) * 4] > 16) {
          top = Math.min(top, r); bottom = Math.max(bottom, r);
          left = Math.min(left, c); right = Math.max(right, c);
        }
      }
    }
    if (bottom < 0) return null;
    const w = right - left + 1, h = bottom - top + 1, scale = 20 / Math.max(w, h);
    const sw = Math.max(1, Math.round(w * scale)), sh = Math.max(1, Math.round(h * scale));
    const small = document.createElement("canvas");
    small.width = sw; small.height = sh;
    const sctx = small.getContext("2d");
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = "high";
    sctx.drawImage(canvas, left, top, w, h, 0, 0, sw, sh);
    const box = sctx.getImageData(0, 0, sw, sh).data;
    let mass = 0, mr = 0, mc = 0;
    for (let r = 0; r < sh; r++) {
      for (let c = 0; c < sw; c++) {
        const v = box[(r * sw + c) * 4];
        mass += v; mr += v * r; mc += v * c;
      }
    }
    // move the centre of mass to the image's centre (pixel centres: 13.5 + 0.5 = 14)
    const dr = Math.round(14 - (mr / mass + 0.5)), dc = Math.round(14 - (mc / mass + 0.5));
    const pixels = new Uint8ClampedArray(784);
    for (let r = 0; r < sh; r++) {
      for (let c = 0; c < sw; c++) {
        const rr = r + dr, cc = c + dc;
        if (rr >= 0 && rr < 28 && cc >= 0 && cc < 28) pixels[rr * 28 + cc] = box[(r * sw + c) * 4];
      }
    }
    return pixels;
  }

  /** The probabilities at the network's temperature: softmax(log p / T), as chapter 11. */
  function calibrate(network, probabilities) {
    const logs = probabilities.map((p) => Math.log(Math.max(p, 1e-12)) / network.temperature);
    const top = Math.max(...logs), e = logs.map((v) => Math.exp(v - top));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  }

  /** The network's answer: its digit when the calibrated confidence reaches its threshold. */
  function answer(network, calibrated) {
    const order = calibrated.map((p, d) => [p, d]).sort((a, b) => b[0] - a[0]);
    return order[0][0] >= network.threshold ? order[0][1] : "not sure";
  }

  function bars(element, network, probabilities) {
    const best = probabilities.indexOf(Math.max(...probabilities));
    const second = probabilities.indexOf(Math.max(...probabilities.filter((_, d) => d !== best)));
    const pct = (d) => `${(100 * probabilities[d]).toFixed(1)} %`;
    element.querySelector(".digits-draw-guess").textContent = answer(network, probabilities) === best
      ? `${network.label}: ${best} (${pct(best)})`
      : `${network.label}: not sure: ${best} (${pct(best)}) or ${second} (${pct(second)})`;
    element.querySelectorAll(".digits-draw-bar").forEach((bar, digit) => {
      const p = probabilities[digit];
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      bar.classList.toggle("best", digit === best);
      bar.parentElement.title = `${digit}: ${(100 * p).toFixed(2)} %`;
    });
  }

  function show28(canvas, pixels) {
    const ctx = canvas.getContext("2d"), image = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      image.data.set([pixels[i], pixels[i], pixels[i], 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
  }

  function start() {
    const root = document.getElementById("digits-draw");
    const source = document.getElementById("digits-draw-data");
    if (!root || !source) return;
    const payload = JSON.parse(source.textContent);
    const networks = payload.networks.map((n) => ({ ...n, layers: n.layers.map((l) => ({
      ...l, weights: l.weights.map(decode) })) }));
    const pad = root.querySelector("canvas.digits-draw-pad"), seen = root.querySelector("canvas.digits-draw-seen");
    const panels = root.querySelector(".digits-draw-panels");
    const status = root.querySelector(".digits-draw-status");
    for (const network of networks) {
      const panel = document.createElement("div");
      panel.className = "digits-draw-panel";
      panel.dataset.network = network.name;
      panel.innerHTML = `<p class="digits-draw-guess">${network.label}: draw a digit</p>` +
        Array.from({ length: 10 }, (_, d) =>
          `<div class="digits-draw-row"><span>${d}</span><div class="digits-draw-track">` +
          `<div class="digits-draw-bar"></div></div></div>`).join("");
      panels.appendChild(panel);
    }
    const ctx = pad.getContext("2d");
    function clear() {
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, pad.width, pad.height);
      seen.getContext("2d").clearRect(0, 0, 28, 28);
      status.textContent = "";
      panels.querySelectorAll(".digits-draw-panel").forEach((p, i) => {
        p.querySelector(".digits-draw-guess").textContent = `${networks[i].label}: draw a digit`;
        p.querySelectorAll(".digits-draw-bar").forEach((b) => { b.style.width = "0"; b.classList.remove("best"); });
      });
      root.dataset.predictions = root.dataset.calibrated = root.dataset.answers = "";
    }
    function classifyPixels(pixels) {
      show28(seen, pixels);
      const results = {}, calibrated = {}, answers = {};
      panels.querySelectorAll(".digits-draw-panel").forEach((panel, i) => {
        const network = networks[i], p = forward(network, pixels), q = calibrate(network, p);
        results[network.name] = p;
        calibrated[network.name] = q;
        answers[network.name] = answer(network, q);
        bars(panel, network, q);
      });
      root.dataset.predictions = JSON.stringify(results);  // as Keras gives them
      root.dataset.calibrated = JSON.stringify(calibrated);
      root.dataset.answers = JSON.stringify(answers);
      return results;
    }
    function update() {
      const pixels = preprocess(pad);
      if (pixels) {
        classifyPixels(pixels);
      } else {  // no ink: nothing to read
        clear();
        status.textContent = "Nothing drawn: no network answers an empty square.";
      }
    }
    let drawing = false, last = null;
    function point(event) {
      const box = pad.getBoundingClientRect();
      return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
    }
    pad.addEventListener("pointerdown", (event) => {
      drawing = true; last = point(event); pad.setPointerCapture(event.pointerId);
      ctx.beginPath(); ctx.arc(last[0], last[1], 9, 0, 2 * Math.PI); ctx.fillStyle = "#fff"; ctx.fill();
    });
    pad.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const next = point(event);
      ctx.strokeStyle = "#fff"; ctx.lineWidth = 18; ctx.lineCap = "round";
      ctx.beginPath(); ctx.moveTo(...last); ctx.lineTo(...next); ctx.stroke();
      last = next;
      update();
    });
    const stop = () => { if (drawing) { drawing = false; update(); } };
    pad.addEventListener("pointerup", stop);
    pad.addEventListener("pointercancel", stop);
    root.querySelector(".digits-draw-clear").addEventListener("click", clear);
    let next = 0;
    root.querySelector(".digits-draw-hard").addEventListener("click", () => {
      const digit = payload.hard[next++ % payload.hard.length];
      const pixels = Uint8Array.from(atob(digit.pixels), (c) => c.charCodeAt(0));
      clear();
      // draw it large on the pad, as the reader would have drawn it
      const big = document.createElement("canvas");
      big.width = big.height = 28;
      show28(big, pixels);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(big, 0, 0, pad.width, pad.height);
      classifyPixels(pixels);
      status.textContent = `A validation digit labelled ${digit.label}; the network trained on the fitting ` +
        `rows read it as ${digit.guess} (${(100 * digit.confidence).toFixed(1)} % sure).`;
    });
    clear();
    window.digitsDraw = { networks, forward, calibrate, preprocess, classifyPixels, update, ready: true };
    root.dataset.ready = "true";
  }

  if (typeof document === "undefined") {  // outside a browser (Node): the forward pass alone
    module.exports = { forward, decode, calibrate, answer };
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
