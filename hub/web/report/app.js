// The village information officer's page. A report is written to the
// phone's IndexedDB first, with an id made on the phone, and a sender
// delivers it to the hub whenever there is a link: the report, then each
// photo the hub lacks in parts it checks by SHA-256, resuming from what it
// holds. Sending twice stores once (the hub keys on the id). No framework,
// no build step, nothing fetched from anywhere but the hub.
'use strict';

const API = '/report/api';
const MAX_PHOTOS = 6; // villagereport.MaxPhotos
const PART = 256 * 1024; // bytes of one photo part
const LONG_SIDE = 1600; // px of a shrunk photo's long side
const TARGET = 400 * 1024; // a shrunk photo is re-encoded smaller above this
const MAX_COUNT = 1000000; // incident.MaxPersons
const TICK = 30000; // ms between tries of the sender
const MAX_BACKOFF = 5 * 60000;
const COUNTS = [['dead', '死亡'], ['missing', '失踪'], ['injured', '受伤'], ['trapped', '被困'], ['evacuated', '转移'], ['houses_damaged', '房屋受损']];
const FIELD_NAMES = {
  category: '类别', place: '地点', occurred_at: '发生时间', description: '情况描述', photos: '照片', attachments: '照片', position: '位置',
};
for (const [k, n] of COUNTS) FIELD_NAMES['counts.' + k] = n;
const STATES = {
  pending: '待发送', sending: '发送中', received: '已收到', verified: '已核实', merged: '已并入', unfounded: '不予采用', refused: '未被接收',
};
const LEVELS = { blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };
const TYPES = {
  rainstorm: '暴雨', flood: '洪水', geological: '地质灾害', forest_fire: '森林火险', low_temp_ice: '低温雨雪冰冻',
  high_temp: '高温', strong_wind: '大风', thunder: '雷电', other: '其他',
};

const $ = (sel, root) => (root || document).querySelector(sel);
const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k !== null && k !== undefined && k !== false) e.append(k);
  return e;
}
const pad = (n) => String(n).padStart(2, '0');
function localInput(d) { // a Date as a datetime-local value
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}
function shortTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return '';
  const now = new Date();
  const hm = pad(d.getHours()) + ':' + pad(d.getMinutes());
  return d.toDateString() === now.toDateString() ? '今天 ' + hm : (d.getMonth() + 1) + '月' + d.getDate() + '日 ' + hm;
}
// An id made on the phone; older phones lack crypto.randomUUID.
function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}
async function sha256Hex(buf) {
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- The phone's store: reports waiting or sent, and the last session.

let dbp = null;
function db() {
  if (!dbp) {
    dbp = new Promise((resolve, reject) => {
      const rq = indexedDB.open('dutyroom-report', 1);
      rq.onupgradeneeded = () => {
        rq.result.createObjectStore('reports', { keyPath: 'id' });
        rq.result.createObjectStore('kv');
      };
      rq.onsuccess = () => resolve(rq.result);
      rq.onerror = () => reject(rq.error);
    });
  }
  return dbp;
}
async function tx(store, mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(store, mode);
    const rq = fn(t.objectStore(store));
    t.oncomplete = () => resolve(rq && rq.result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('aborted'));
  });
}
const putReport = (r) => tx('reports', 'readwrite', (s) => s.put(r));
const getReport = (id) => tx('reports', 'readonly', (s) => s.get(id));
const delReport = (id) => tx('reports', 'readwrite', (s) => s.delete(id));
const allReports = () => tx('reports', 'readonly', (s) => s.getAll());
const kvGet = (k) => tx('kv', 'readonly', (s) => s.get(k));
const kvSet = (k, v) => tx('kv', 'readwrite', (s) => s.put(v, k));

// ---- The hub.

class HubError extends Error {
  constructor(status, body) {
    super((body && body.message) || ('服务器返回 ' + status));
    this.status = status;
    this.code = body && body.code;
    this.field = body && body.field;
    this.body = body || {};
  }
}
async function api(method, path, body, headers) {
  const init = { method, credentials: 'same-origin', cache: 'no-store', headers: Object.assign({}, headers) };
  if (body instanceof Blob || body instanceof ArrayBuffer) {
    init.body = body;
    init.headers['Content-Type'] = 'application/octet-stream';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  if (AbortSignal.timeout) init.signal = AbortSignal.timeout(120000); // a stalled link must not hold the sender
  const resp = await fetch(API + path, init);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    const err = new HubError(resp.status, data);
    // The first refusal signs out; others of the same moment add nothing.
    if (resp.status === 401 && err.code !== 'bad_login' && ui.tab !== 'signin') signedOut(ui.session ? '登录已失效（账号或密码可能被乡镇改过），请重新登录。忘了密码请找乡镇（街道）值班室。' : '');
    throw err;
  }
  return data;
}
const offlineError = (e) => !(e instanceof HubError) || e.status >= 500;

// ---- Screens.

const ui = { session: null, tab: 'report', photos: [], position: null, online: navigator.onLine };

function toast(text) {
  const t = $('#toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

function setNet() {
  const n = $('#net');
  n.textContent = ui.online ? '有网络' : '无网络';
  n.classList.toggle('off', !ui.online);
}

function show(tab) {
  ui.tab = tab;
  for (const id of ['signin', 'report', 'mine', 'warnings']) $('#' + id).hidden = id !== tab;
  $('#tabs').hidden = tab === 'signin';
  $('#logout').hidden = tab === 'signin';
  for (const b of $$('#tabs button')) b.classList.toggle('on', b.dataset.tab === tab);
  if (tab === 'mine') { renderMine(); loadMine(); }
  if (tab === 'warnings') loadWarnings();
  window.scrollTo(0, 0);
}

async function startSession(s) {
  ui.session = s;
  await kvSet('session', s);
  $('#village').textContent = s.village.name + ' 灾情报送';
  $('#officer').textContent = '灾害信息员 ' + s.officer.name;
  $('#place-village').textContent = s.village.name;
  renderCategories(s.categories || []);
}

async function signedOut(why) {
  const note = $('#signin-error');
  note.textContent = why || '';
  note.hidden = !why;
  ui.session = null;
  show('signin'); // at once: the refusals of the same moment see it
  await kvSet('session', null);
  const waiting = (await allReports()).filter((r) => r.state !== 'received').length;
  $('#signin-queue').hidden = waiting === 0;
  $('#signin-queue').textContent = '手机上还有 ' + waiting + ' 份报告没有发出，登录后会自动发送。';
}

$('#signin-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const login = $('#login').value.trim();
  const password = $('#password').value;
  const err = $('#signin-error');
  err.hidden = true;
  for (const i of [$('#login'), $('#password')]) i.classList.remove('bad');
  if (!login || !password) {
    err.textContent = !login ? '请填写账号' : '请填写密码';
    err.hidden = false;
    (!login ? $('#login') : $('#password')).classList.add('bad');
    return;
  }
  const go = $('#signin-go');
  go.disabled = true;
  go.textContent = '正在登录…';
  try {
    const s = await api('POST', '/login', { login, password });
    $('#password').value = '';
    await startSession(s);
    show('report');
    newForm();
    kick();
    loadMine();
    loadWarnings();
  } catch (e) {
    err.textContent = offlineError(e) ? '连不上服务器：登录需要网络，请到有信号的地方再试。' : e.message;
    err.hidden = false;
  } finally {
    go.disabled = false;
    go.textContent = '登录';
  }
});

$('#logout').addEventListener('click', async () => {
  const waiting = (await allReports()).filter((r) => r.state !== 'received').length;
  if (!confirm(waiting ? '还有 ' + waiting + ' 份报告没发出，退出后要重新登录才能发送。确定退出？' : '确定退出登录？')) return;
  try { await api('POST', '/logout'); } catch (e) { /* the cookie ends with the session either way */ }
  signedOut('');
});

for (const b of $$('#tabs button')) b.addEventListener('click', () => show(b.dataset.tab));

// ---- The form.

// What a village sees most comes first: natural disasters, then the
// accidents in the hub's order.
const FIRST = ['geological', 'flood', 'forest_fire', 'low_temp_ice', 'earthquake', 'drought'];

function renderCategories(cats) {
  const box = $('#categories');
  const chosen = (box.querySelector('input:checked') || {}).value;
  box.textContent = '';
  const rank = (c) => { const i = FIRST.indexOf(c.code); return i < 0 ? FIRST.length : i; };
  for (const c of cats.slice().sort((a, b) => rank(a) - rank(b))) {
    box.append(el('label', {}, el('input', { type: 'radio', name: 'category', value: c.code, checked: c.code === chosen }), el('span', {}, c.name)));
  }
}

function newForm() {
  $('#report-form').reset();
  $('#occurred').value = localInput(new Date());
  ui.photos = [];
  renderPhotos();
  clearErrors();
  locate();
}

function locate() {
  if (!navigator.geolocation) { $('#position').textContent = '位置：这部手机不能定位'; return; }
  navigator.geolocation.getCurrentPosition((p) => {
    ui.position = { lat: p.coords.latitude, lon: p.coords.longitude, acc: p.coords.accuracy, at: Date.now() };
    $('#position').textContent = '位置：' + ui.position.lat.toFixed(5) + ', ' + ui.position.lon.toFixed(5) + '（误差约 ' + Math.round(ui.position.acc) + ' 米）';
  }, () => {
    if (!ui.position) $('#position').textContent = '位置：没有取得（请打开手机定位），不影响提交';
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
}

function positionNow() { // a fresh fix for a photo, or the last one within two minutes
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      () => resolve(ui.position && Date.now() - ui.position.at < 120000 ? { lat: ui.position.lat, lon: ui.position.lon } : null),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 30000 });
  });
}

// shrink draws the photo at most LONG_SIDE px on its long side and encodes
// it as JPEG, lower in quality while it stays over TARGET.
async function shrink(file) {
  const bmp = await createImageBitmap(file);
  const scale = Math.min(1, LONG_SIDE / Math.max(bmp.width, bmp.height));
  const w = Math.round(bmp.width * scale), h = Math.round(bmp.height * scale);
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  c.getContext('2d').drawImage(bmp, 0, 0, w, h);
  let blob = null;
  for (const q of [0.8, 0.7, 0.6, 0.5]) {
    blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', q));
    if (blob.size <= TARGET) break;
  }
  const t = document.createElement('canvas');
  const ts = 160 / Math.max(w, h);
  t.width = Math.round(w * ts); t.height = Math.round(h * ts);
  t.getContext('2d').drawImage(bmp, 0, 0, t.width, t.height);
  bmp.close();
  return { blob, thumb: t.toDataURL('image/jpeg', 0.7), width: w, height: h };
}

$('#camera').addEventListener('change', async (ev) => {
  const files = Array.from(ev.target.files || []);
  ev.target.value = '';
  if (!files.length) return;
  // The time and place of the photo are read now, at capture, before the
  // slow work: never at sending.
  const takenAt = new Date().toISOString();
  const where = positionNow();
  setFieldError('photos', '');
  ui.shrinking = (ui.shrinking || 0) + 1;
  $('#shoot').textContent = '正在处理照片…';
  try {
    await addPhotos(files, takenAt, where);
  } finally {
    ui.shrinking--;
    $('#shoot').textContent = '拍照';
  }
});

async function addPhotos(files, takenAt, where) {
  for (const f of files) {
    if (ui.photos.length >= MAX_PHOTOS) { setFieldError('photos', '最多 ' + MAX_PHOTOS + ' 张照片'); break; }
    try {
      const s = await shrink(f);
      const sha = await sha256Hex(await s.blob.arrayBuffer());
      if (ui.photos.some((p) => p.sha256 === sha)) continue;
      const pos = await where;
      ui.photos.push({
        name: 'photo-' + (ui.photos.length + 1) + '.jpg', size: s.blob.size, sha256: sha, mime: 'image/jpeg',
        taken_at: takenAt, lat: pos ? pos.lat : null, lon: pos ? pos.lon : null, blob: s.blob, thumb: s.thumb,
      });
    } catch (e) {
      setFieldError('photos', '这张照片打不开，请重拍（' + (f.name || '照片') + '）');
    }
  }
  renderPhotos();
}

function renderPhotos() {
  const box = $('#photos');
  box.textContent = '';
  ui.photos.forEach((p, i) => {
    box.append(el('div', { class: 'photo' },
      el('img', { src: p.thumb, alt: '照片 ' + (i + 1) }),
      el('span', { class: 'meta' }, shortTime(p.taken_at).replace('今天 ', ''), el('br'), p.lat != null ? '有位置' : '没有位置'),
      el('button', { type: 'button', 'aria-label': '删除照片 ' + (i + 1), onclick: () => { ui.photos.splice(i, 1); renderPhotos(); } }, '×')));
  });
  $('#photo-count').textContent = ui.photos.length ? '（' + ui.photos.length + '/' + MAX_PHOTOS + '）' : '（可不拍，最多 ' + MAX_PHOTOS + ' 张）';
  $('#shoot').hidden = ui.photos.length >= MAX_PHOTOS;
}

function fieldBox(field) { return $('[data-field="' + field + '"]'); }
function setFieldError(field, text) {
  const f = fieldBox(field === 'attachments' ? 'photos' : field) || fieldBox('place');
  const p = $(':scope > .error', f) || $('.error', f);
  p.textContent = text;
  p.hidden = !text;
  f.classList.toggle('bad', !!text);
}
function clearErrors() {
  for (const f of $$('[data-field]')) setFieldError(f.dataset.field, '');
  $('#form-summary').hidden = true;
}
function showErrors(errs) { // errs: [[field, Chinese text]]
  clearErrors();
  for (const [f, t] of errs) setFieldError(f, t);
  const names = [...new Set(errs.map(([f]) => FIELD_NAMES[f] || f))];
  const s = $('#form-summary');
  s.textContent = '有 ' + names.length + ' 处要改一下：' + names.join('、') + '。填写的内容都还在。';
  s.hidden = false;
  const first = fieldBox(errs[0][0] === 'attachments' ? 'photos' : errs[0][0]);
  s.scrollIntoView({ block: 'start' });
  const input = first && $('input:not([type=radio]), textarea', first);
  if (input) input.focus({ preventScroll: true });
}

// readForm returns the report as the hub takes it, or the fields to fix.
function readForm() {
  const f = $('#report-form');
  const errs = [];
  const cat = (f.querySelector('input[name=category]:checked') || {}).value;
  if (!cat) errs.push(['category', '请选择发生了什么']);
  const place = $('#place').value.trim();
  if (!place) errs.push(['place', '请填写具体地点，如哪个组、哪座桥']);
  let occurred = null;
  const ov = $('#occurred').value;
  if (!ov) errs.push(['occurred_at', '请填写发生时间']);
  else {
    occurred = new Date(ov);
    if (isNaN(occurred)) errs.push(['occurred_at', '时间格式不对，请重新选择']);
    else if (occurred.getTime() > Date.now() + 10 * 60000) errs.push(['occurred_at', '发生时间不能晚于现在']);
  }
  const counts = {};
  for (const [k, n] of COUNTS) {
    // Full-width digits from a Chinese keyboard are digits too.
    const v = f.elements[k].value.trim().replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
    if (v === '') { counts[k] = 0; continue; }
    if (!/^[0-9]+$/.test(v)) { errs.push(['counts.' + k, n + '要填整数，如 0、1、12']); continue; }
    const x = Number(v);
    if (x > MAX_COUNT) { errs.push(['counts.' + k, n + '的数字太大，请核对']); continue; }
    counts[k] = x;
  }
  if (errs.length) return { errs };
  const pos = ui.position || ui.photos.find((p) => p.lat != null);
  return {
    report: {
      id: uuid(), category: cat, place, lat: pos ? pos.lat : null, lon: pos ? pos.lon : null,
      occurred_at: occurred.toISOString(), counts, description: f.elements.description.value.trim(),
      written_at: new Date().toISOString(),
      photos: ui.photos.map((p) => ({ name: p.name, size: p.size, sha256: p.sha256, mime: p.mime, taken_at: p.taken_at, lat: p.lat, lon: p.lon })),
    },
  };
}

$('#report-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (ui.saving) return; // a second tap on 提交 is not a second report
  if (ui.shrinking) { toast('照片还在处理，请稍等几秒再提交'); return; }
  const r = readForm();
  if (r.errs) { showErrors(r.errs); return; }
  ui.saving = true;
  try { await save(r); } finally { ui.saving = false; }
});

async function save(r) {
  const catLabel = $('#categories input:checked + span').textContent;
  const blobs = {};
  const thumbs = {};
  for (const p of ui.photos) { blobs[p.sha256] = p.blob; thumbs[p.sha256] = p.thumb; }
  if (r.report.lat == null) { delete r.report.lat; delete r.report.lon; }
  for (const p of r.report.photos) if (p.lat == null) { delete p.lat; delete p.lon; }
  // Saved on the phone before anything is sent: a lost signal loses nothing.
  await putReport({ id: r.report.id, body: r.report, catLabel, blobs, thumbs, state: 'pending', saved: Date.now() });
  newForm();
  toast(ui.online ? '已保存，正在发送' : '已保存在手机上，有信号时自动发送');
  show('mine');
  kick();
}

// ---- The sender.

let sending = false;
const progress = {}; // report id → [bytes the hub holds, bytes of all photos], while sending
let failures = 0;
let nextTry = 0;

function kick() { nextTry = 0; send(); }

async function send() {
  if (sending || !ui.session || Date.now() < nextTry) return;
  sending = true;
  try {
    const queue = (await allReports()).filter((r) => r.state === 'pending' || r.state === 'sending').sort((a, b) => a.saved - b.saved);
    for (const r of queue) await sendOne(r);
    failures = 0;
    nextTry = 0;
  } catch (e) {
    for (const r of await allReports()) if (r.state === 'sending') { r.state = 'pending'; await putReport(r); }
    if (ui.tab === 'mine') renderMine();
    if (e instanceof HubError && e.status === 401) return; // sent after the next sign-in
    failures++;
    let wait = Math.min(TICK * 2 ** (failures - 1), MAX_BACKOFF);
    if (e instanceof HubError && e.code === 'quota' && e.body.retry_after) wait = Math.max(wait, e.body.retry_after * 1000);
    nextTry = Date.now() + wait;
  } finally {
    sending = false;
  }
}

async function sendOne(r) {
  r.state = 'sending';
  r.error = null;
  await putReport(r);
  if (ui.tab === 'mine') renderMine();
  for (let round = 0; round < 3; round++) {
    let ans;
    try {
      ans = await api('PUT', '/reports/' + r.id, r.body);
    } catch (e) {
      if (offlineError(e) || e.status === 401 || e.code === 'quota' || e.status === 429) throw e;
      return refuse(r, e);
    }
    if (ans.state === 'received') {
      r.state = 'received';
      r.received_at = ans.received_at;
      r.blobs = {}; // the hub holds the photos now; the thumbnails stay
      await putReport(r);
      if (ui.tab === 'mine') renderMine();
      return;
    }
    const total = r.body.photos.reduce((n, p) => n + p.size, 0);
    const missing = ans.missing || [];
    progress[r.id] = [total - r.body.photos.filter((p) => missing.includes(p.sha256)).reduce((n, p) => n + p.size, 0), total];
    for (const sha of missing) {
      try {
        await sendPhoto(r, sha);
      } catch (e) {
        if (offlineError(e) || e.status === 401 || e.status === 429) throw e;
        return refuse(r, e);
      }
    }
  }
  throw new Error('the hub did not take the report after its photos');
}

async function refuse(r, e) {
  r.state = 'refused';
  r.error = e.message;
  r.field = e.field || (e.code === 'not_image' || e.code === 'too_large' || e.code === 'photo_hash' ? 'photos' : '');
  await putReport(r);
  if (ui.tab === 'mine') renderMine();
}

async function sendPhoto(r, sha) {
  const blob = r.blobs && r.blobs[sha];
  if (!blob) throw new HubError(422, { code: 'photo_lost', field: 'photos', message: '手机上找不到这张照片了，请修改报告重新拍照' });
  const path = '/reports/' + r.id + '/photos/' + sha;
  let at = (await api('GET', path)).received || 0;
  let retries = 0;
  const pr = progress[r.id] || [0, blob.size];
  const base = pr[0];
  while (at < blob.size) {
    pr[0] = base + at;
    if (ui.tab === 'mine') showProgress(r.id);
    const part = blob.slice(at, Math.min(at + PART, blob.size));
    const buf = await part.arrayBuffer();
    try {
      at = (await api('PUT', path + '?offset=' + at, buf, { 'X-Part-SHA256': await sha256Hex(buf) })).received;
    } catch (e) {
      if (!(e instanceof HubError) || retries++ > 3) throw e;
      if (e.code === 'offset' && typeof e.body.received === 'number') at = e.body.received; // continue where the hub is
      else if (e.code === 'part_hash') { /* spoiled on the way: send the part again */ }
      else if (e.code === 'photo_hash') at = 0;
      else throw e;
    }
  }
  pr[0] = base + blob.size;
}

function showProgress(id) {
  const s = $('#mine-list li[data-id="' + id + '"] .state');
  const pr = progress[id];
  if (s && pr && pr[1]) s.textContent = '发送中 ' + Math.floor(100 * pr[0] / pr[1]) + '%';
}

// ---- 我的报告.

async function renderMine() {
  const local = await allReports();
  const remote = (await kvGet('remote')) || [];
  const byId = new Map(remote.map((x) => [x.id, x]));
  const cats = new Map(((ui.session && ui.session.categories) || []).map((c) => [c.code, c.name]));
  const items = [];
  for (const r of local) {
    const h = byId.get(r.id);
    byId.delete(r.id);
    items.push({
      id: r.id, local: r, title: r.catLabel || cats.get(r.body.category) || r.body.category, place: r.body.place,
      occurred: r.body.occurred_at, photos: r.body.photos.length,
      state: h ? h.state : r.state, reason: h ? h.reason : r.error, at: h ? h.received_at : r.received_at, sort: r.saved,
    });
  }
  for (const h of byId.values()) {
    items.push({ id: h.id, title: cats.get(h.category) || h.category, place: h.place, occurred: h.occurred_at, photos: h.photos, state: h.state, reason: h.reason, at: h.received_at, sort: Date.parse(h.received_at) || 0 });
  }
  items.sort((a, b) => b.sort - a.sort);
  const waiting = local.filter((r) => r.state === 'pending' || r.state === 'sending').length;
  const badge = $('#pending-badge');
  badge.hidden = !waiting;
  badge.textContent = waiting;
  const note = $('#mine-note');
  if (waiting) note.textContent = ui.online ? waiting + ' 份正在发送。' : waiting + ' 份保存在手机上，有信号时自动发送，不用重填。';
  else note.textContent = items.length ? '' : '还没有报告。';
  const list = $('#mine-list');
  list.textContent = '';
  for (const it of items) {
    const vil = ui.session ? ui.session.village.name : '';
    const stateText = it.state === 'unfounded' ? '不予采用' : (STATES[it.state] || it.state);
    const li = el('li', { 'data-id': it.id, 'data-state': it.state },
      el('div', { class: 'head' }, el('b', {}, it.title), el('span', { class: 'state s-' + it.state }, stateText)),
      el('div', { class: 'sub' }, vil + ' ' + it.place),
      el('div', { class: 'sub' }, '发生 ' + shortTime(it.occurred) + (it.photos ? ' · ' + it.photos + ' 张照片' : '') + (it.at ? ' · 收到 ' + shortTime(it.at) : '')));
    if (it.state === 'unfounded') li.append(el('p', { class: 'reason' }, '理由：' + (it.reason || '未说明')));
    if (it.state === 'received') li.append(el('p', { class: 'sub' }, '已送到值班室，等待核实。'));
    if (it.state === 'merged') li.append(el('p', { class: 'sub' }, '值班室已核实，并入已有的灾情。'));
    if (it.state === 'verified') li.append(el('p', { class: 'sub' }, '值班室已核实，立为新的灾情。'));
    if (it.state === 'refused') {
      li.append(el('p', { class: 'reason' }, '服务器没有接收：' + (it.reason || '')),
        el('div', { class: 'actions' },
          el('button', { type: 'button', onclick: () => editRefused(it.local) }, '修改后重发'),
          el('button', { type: 'button', onclick: async () => { if (confirm('删除这份没有发出的报告？')) { await delReport(it.id); renderMine(); } } }, '删除')));
    }
    list.append(li);
    if (it.state === 'sending') showProgress(it.id);
  }
}

async function loadMine() {
  if (!ui.session) return;
  try {
    const remote = await api('GET', '/reports');
    await kvSet('remote', remote || []);
    // Reports the hub lists are stored there: the phone needs no copy
    // beyond what it shows.
    for (const r of await allReports()) {
      if (r.state === 'received' && remote.some((h) => h.id === r.id)) await delReport(r.id);
    }
  } catch (e) { /* offline: the last list stays */ }
  if (ui.tab === 'mine') renderMine();
}

function editRefused(r) {
  show('report');
  newForm();
  const f = $('#report-form');
  const b = r.body;
  const radio = $('#categories input[value="' + b.category + '"]');
  if (radio) radio.checked = true;
  $('#place').value = b.place;
  $('#occurred').value = localInput(new Date(b.occurred_at));
  for (const [k] of COUNTS) f.elements[k].value = b.counts[k] ? String(b.counts[k]) : '';
  f.elements.description.value = b.description || '';
  ui.photos = b.photos.filter((p) => r.blobs && r.blobs[p.sha256]).map((p) => Object.assign({}, p, { blob: r.blobs[p.sha256], thumb: r.thumbs[p.sha256] }));
  renderPhotos();
  delReport(r.id);
  showErrors([[r.field && FIELD_NAMES[r.field] ? r.field : 'place', r.error || '请检查后重新提交']]);
}

// ---- 预警.

async function loadWarnings() {
  const note = $('#warn-note');
  let list = (await kvGet('warnings')) || [];
  try {
    list = await api('GET', '/warnings') || [];
    await kvSet('warnings', list);
    note.textContent = list.length ? '' : '本村目前没有预警。';
  } catch (e) {
    note.textContent = offlineError(e) ? '没有网络，显示的是上次看到的预警。' : e.message;
  }
  renderWarnings(list);
}

function renderWarnings(list) {
  const open = list.filter((w) => !w.acked).length;
  const badge = $('#warn-badge');
  badge.hidden = !open;
  badge.textContent = open;
  const ul = $('#warn-list');
  ul.textContent = '';
  for (const w of list) {
    const li = el('li', { 'data-id': w.id },
      el('div', { class: 'head' }, el('span', { class: 'lv lv-' + w.level }, (LEVELS[w.level] || w.level) + '预警'), el('b', {}, TYPES[w.type] || w.type)),
      w.area ? el('div', { class: 'sub' }, '范围：' + w.area) : null,
      el('p', { class: 'warn-text' }, w.text),
      el('div', { class: 'sub' }, (w.issuer || '') + ' 发布于 ' + shortTime(w.issued_at) + '，有效至 ' + shortTime(w.valid_until)));
    if (w.acked) {
      li.append(el('p', { class: 'acked' }, '已签收 ' + shortTime(w.acked.at) + (w.acked.person ? '（' + w.acked.person + '）' : '')));
    } else {
      const b = el('button', { type: 'button', class: 'primary' }, '签收');
      b.addEventListener('click', async () => {
        b.disabled = true;
        b.textContent = '正在签收…';
        try {
          const a = await api('POST', '/warnings/' + w.id + '/ack');
          w.acked = { person: ui.session ? ui.session.officer.name : '', at: a.at, via: 'page' };
          await kvSet('warnings', list);
          renderWarnings(list);
        } catch (e) {
          b.disabled = false;
          b.textContent = '签收';
          toast(offlineError(e) ? '没有网络，签收没有发出，请有信号时再点' : e.message);
        }
      });
      li.append(el('div', { class: 'actions' }, b));
    }
    ul.append(li);
  }
}

// ---- Start.

window.addEventListener('online', () => { ui.online = true; setNet(); kick(); if (ui.session) { loadMine(); loadWarnings(); } });
window.addEventListener('offline', () => { ui.online = false; setNet(); if (ui.tab === 'mine') renderMine(); });
// The lists are refreshed in the background for the tabs' badges; the
// warnings not while they are on screen, where a refresh would move the
// 签收 button under the officer's finger.
setInterval(() => { send(); if (ui.tab !== 'signin') { loadMine(); if (ui.tab !== 'warnings') loadWarnings(); } }, TICK);

// keepFont puts the hub's Chinese font in the phone's cache when this phone
// needed it (it has no Chinese font of its own), so the page reads as
// Chinese with no signal too; a phone with its own font never fetches it.
function keepFont() {
  if (!window.caches || !document.fonts) return;
  document.fonts.ready.then(() => {
    const used = Array.from(document.fonts).some((f) => f.family.includes('DutyRoom') && f.status === 'loaded');
    if (!used) return;
    caches.open('font').then((c) => c.match('/join/font.otf').then((hit) => hit || c.add('/join/font.otf'))).catch(() => {});
  });
}

async function main() {
  setNet();
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/report/sw.js', { scope: '/report' }).catch(() => {});
  keepFont();
  const saved = await kvGet('session');
  if (saved) { await startSession(saved); show('report'); newForm(); renderMine(); }
  try {
    const me = await api('GET', '/me');
    ui.online = true;
    setNet();
    await startSession(me);
    if (!saved) { show('report'); newForm(); }
    kick();
    loadMine();
    loadWarnings();
  } catch (e) {
    if (e instanceof HubError && e.status === 401) return; // signedOut shows the sign-in
    ui.online = false;
    setNet();
    if (!saved) {
      show('signin');
      $('#signin-error').textContent = '没有网络：第一次登录需要信号。';
      $('#signin-error').hidden = false;
    }
  }
}
main();
