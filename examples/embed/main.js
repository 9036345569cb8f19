// The example embedder: picks a file, restores it through the Heirloom SDK, shows the result.
// `heirloom-sdk.js` is the SDK build (dist/sdk/heirloom-sdk.js), served by serve.mjs next to this page.
import { createHeirloom } from './heirloom-sdk.js';

const embedUrl = new URLSearchParams(location.search).get('embed') ?? 'http://localhost:4173/embed.html';
const $ = (id) => document.getElementById(id);
$('embed-url').textContent = embedUrl;

const heirloom = createHeirloom({ url: embedUrl });
heirloom.ready.then(
  () => {
    $('ready').textContent = 'connected';
    $('run').disabled = false;
  },
  (err) => {
    $('ready').textContent = 'not connected';
    $('error').textContent = err.message;
  },
);

let controller;
$('run').addEventListener('click', async () => {
  const file = $('file').files[0];
  if (!file) {
    $('error').textContent = 'Pick a photo first.';
    return;
  }
  const [scale, quality] = $('recipe').value.split('-');
  controller = new AbortController();
  $('error').textContent = '';
  $('run').disabled = true;
  $('cancel').hidden = false;
  $('progress').hidden = false;
  $('progress').removeAttribute('value');
  try {
    const blob = await heirloom.restore(file, {
      recipe: { upscale: { scale: Number(scale), quality } },
      signal: controller.signal,
      onProgress: (p) => {
        $('stage').textContent = p.stage;
        if (p.total > 0) {
          $('progress').max = p.total;
          $('progress').value = p.done;
        }
      },
    });
    const url = URL.createObjectURL(blob);
    $('result-img').src = url;
    await $('result-img').decode();
    $('result-size').textContent = `${$('result-img').naturalWidth}×${$('result-img').naturalHeight}`;
    $('download').href = url;
    $('download').download = `${file.name.replace(/\.[^.]+$/, '')}-heirloom-x${scale}.png`;
    $('result').hidden = false;
    $('stage').textContent = 'Done';
  } catch (err) {
    $('stage').textContent = '';
    $('error').textContent = err.name === 'AbortError' ? 'Cancelled' : err.message;
  } finally {
    $('run').disabled = false;
    $('cancel').hidden = true;
    $('progress').hidden = true;
  }
});
$('cancel').addEventListener('click', () => controller?.abort());
