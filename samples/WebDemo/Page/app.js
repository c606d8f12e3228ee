// The demo page: upload one image to /predict and show the class, the probabilities and the Grad-CAM overlay.
// body[data-state] is loading | ready | busy | done | error, so a test can wait for an outcome without polling text.
"use strict";

const $ = (id) => document.getElementById(id);
let maxUploadBytes = 10 * 1024 * 1024;
let previewUrl = null;

function setState(state) { document.body.dataset.state = state; }

function formatMegabytes(bytes) { return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`; }

function showError(message) {
  $("status").hidden = true;
  $("result").hidden = true;
  $("error").textContent = message;
  $("error").hidden = false;
  setState("error");
}

async function loadInfo() {
  try {
    const response = await fetch("/info");
    const info = await response.json();
    maxUploadBytes = info.maxUploadBytes;
    $("max-size").textContent = formatMegabytes(maxUploadBytes);
    const threshold = info.decisionThreshold == null ? "argmax" : `threshold ${info.decisionThreshold.toFixed(3)}`;
    $("model-info").textContent =
      `Model ${info.modelFile}: ${info.backbone}, ${info.mode}, classes ${info.classNames.join(", ")} (${threshold}).`;
    setState("ready");
  } catch (e) {
    showError(`Cannot reach the demo server: ${e.message}`);
  }
}

function renderProbabilities(result) {
  const list = $("probabilities");
  list.replaceChildren();
  for (const { className, probability } of result.probabilities) {
    const item = document.createElement("li");
    item.dataset.className = className;
    item.dataset.probability = String(probability);
    if (className === result.label) item.classList.add("predicted");
    const label = document.createElement("div");
    label.className = "bar-label";
    const name = document.createElement("span");
    name.textContent = className;
    const value = document.createElement("span");
    value.textContent = `${(probability * 100).toFixed(1)} %`;
    label.append(name, value);
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.setAttribute("role", "meter");
    bar.setAttribute("aria-label", className);
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "1");
    bar.setAttribute("aria-valuenow", String(probability));
    const fill = document.createElement("div");
    fill.style.width = `${Math.max(0, Math.min(1, probability)) * 100}%`;
    bar.append(fill);
    item.append(label, bar);
    list.append(item);
  }
}

function renderGradCam(gradCam) {
  const image = $("gradcam-image");
  if (gradCam) {
    image.src = gradCam.imageDataUrl;
    image.hidden = false;
    $("gradcam-status").textContent =
      `Grad-CAM for ${gradCam.targetClass}${gradCam.layer ? ` (layer ${gradCam.layer})` : ""}`;
  } else {
    image.removeAttribute("src");
    image.hidden = true;
    $("gradcam-status").textContent = "Grad-CAM not available";
  }
}

function render(result, file) {
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = URL.createObjectURL(file);
  $("preview").src = previewUrl;
  $("file-name").textContent = result.fileName;
  $("prediction-label").textContent = result.label;
  $("prediction-confidence").textContent = `(${(result.confidence * 100).toFixed(1)} %)`;
  const note = $("threshold-note");
  note.hidden = result.decisionThreshold == null;
  if (result.decisionThreshold != null) {
    note.textContent = `Two classes: ${result.probabilities[1].className} is predicted when its probability is at least ` +
      `${result.decisionThreshold.toFixed(3)}.`;
  }
  renderProbabilities(result);
  renderGradCam(result.gradCam);
  $("status").hidden = true;
  $("error").hidden = true;
  $("result").hidden = false;
  setState("done");
}

async function predict(event) {
  event.preventDefault();
  const file = $("image-input").files[0];
  if (!file) { showError("Choose an image first."); return; }
  // the server enforces the same limits; checking here avoids sending megabytes only to be refused
  if (file.size === 0) { showError(`'${file.name}' is empty (0 bytes): choose a PNG, JPEG or BMP image.`); return; }
  if (file.size > maxUploadBytes) {
    showError(`'${file.name}' is larger than the ${formatMegabytes(maxUploadBytes)} limit: choose a smaller image.`);
    return;
  }
  const form = new FormData();
  form.append("image", file, file.name);
  $("predict-button").disabled = true;
  $("error").hidden = true;
  $("status").textContent = `Predicting ${file.name}…`;
  $("status").hidden = false;
  setState("busy");
  try {
    const response = await fetch("/predict", { method: "POST", body: form });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      showError(body?.error ?? `The server refused the upload (HTTP ${response.status}).`);
    } else {
      render(body, file);
    }
  } catch (e) {
    showError(`The upload failed: ${e.message}`);
  } finally {
    $("predict-button").disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("upload-form").addEventListener("submit", predict);
  loadInfo();
});
