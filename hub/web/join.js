// The browser's side of a video consultation. The link's fragment
// (#code=...) carries a one-time join code; it is sent only inside the
// websocket's hello, traded for a session for this room, and removed from
// the address bar at once. The hub makes every offer; this page answers,
// trickles candidates and shows each participant's picture with the name
// of their station.
"use strict";
(function () {
  const PROTOCOL = "1.1";
  const KEY = "dutyroom.join";
  const $ = (id) => document.getElementById(id);
  const grid = $("grid");

  const state = {
    ws: null, pc: null, room: "", you: "", user: "", station: "",
    stations: {}, participants: [], pending: [], local: null,
    tiles: new Map(), // participant id -> {tile, video, label}
    left: false, seq: 0, joinedAt: 0, firstFrameAt: 0, errors: [],
  };

  function status(text) { $("status").textContent = text; }
  // The hub says in room.joined, room.state and room.recording whether
  // the consultation is being recorded; everyone in it is shown.
  function recording(on) { $("rec").hidden = !on; }
  function fail(text) {
    state.errors.push(text);
    const e = $("error");
    e.textContent = text;
    e.hidden = false;
  }
  function send(type, data, id) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return;
    const env = { type: type, data: data };
    if (id !== undefined) env.id = id; else if (type.startsWith("room.") || type.startsWith("rtc.")) env.id = "rtc." + type + "." + (++state.seq);
    state.ws.send(JSON.stringify(env));
  }

  // The code leaves the address bar before anything else happens: it is
  // not kept in the history, and a reload uses the session instead.
  let code = "";
  const frag = new URLSearchParams(location.hash.replace(/^#/, ""));
  if (frag.get("code")) {
    code = frag.get("code");
    history.replaceState(null, "", location.pathname);
  }

  function connect() {
    const token = sessionStorage.getItem(KEY) || "";
    if (!code && !token) {
      status("无法加入");
      fail("链接无效：请向会商发起方索取新的入会链接。");
      return;
    }
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/join/sync");
    state.ws = ws;
    ws.onopen = () => {
      const hello = { version: PROTOCOL, client: "browser " + navigator.userAgent.slice(0, 60) };
      if (code) hello.code = code; else hello.token = token;
      code = ""; // used once, whatever the answer
      send("hello", hello, "hello");
    };
    ws.onmessage = (ev) => {
      let env;
      try { env = JSON.parse(ev.data); } catch (e) { return; }
      handle(env).catch((e) => fail("出错：" + e));
    };
    ws.onclose = (ev) => {
      if (state.left) return;
      status("与值班中心的连接已断开" + (ev.reason ? "（" + ev.reason + "）" : ""));
      closePeer();
      if (sessionStorage.getItem(KEY) && ev.reason !== "unauthorized") setTimeout(connect, 2000);
    };
  }

  async function handle(env) {
    const d = env.data || {};
    switch (env.type) {
      case "welcome":
        if (d.token) sessionStorage.setItem(KEY, d.token);
        state.room = d.room; state.user = d.user; state.station = d.station;
        state.stations = d.stations || {};
        status((state.stations[d.station] || d.station) + " · " + d.user + "：正在打开摄像头…");
        await startMedia();
        state.joinedAt = performance.now();
        send("room.join", { room: state.room, publish: state.local ? state.local.getTracks().map((t) => t.kind) : [] });
        break;
      case "room.joined":
        state.you = d.you;
        state.participants = d.participants || [];
        setUpPeer(d.iceServers || []);
        showSelf();
        relabel();
        recording(d.recording);
        status("已加入会商（" + state.participants.length + " 方）");
        break;
      case "room.state":
        state.participants = d.participants || [];
        relabel(true);
        recording(d.recording);
        status("会商中（" + state.participants.length + " 方）");
        break;
      case "room.recording":
        recording(d.on);
        break;
      case "rtc.offer":
        await answer(d.sdp);
        break;
      case "rtc.candidate":
        if (!state.pc) return;
        if (state.pc.remoteDescription) await state.pc.addIceCandidate(d);
        else state.pending.push(d);
        break;
      case "room.left":
        recording(false);
        status("已离开会商" + (d.reason && d.reason !== "left" ? "：" + d.reason : ""));
        closePeer();
        break;
      case "error":
        if (d.code === "unauthorized") sessionStorage.removeItem(KEY);
        fail((d.code ? "[" + d.code + "] " : "") + (d.message || "值班中心拒绝了请求"));
        break;
    }
  }

  async function startMedia() {
    if (state.local) return;
    const tries = [{ video: { width: 640, height: 480 }, audio: true }, { video: { width: 640, height: 480 } }, { audio: true }];
    for (const c of tries) {
      try { state.local = await navigator.mediaDevices.getUserMedia(c); return; } catch (e) { /* try less */ }
    }
    fail("未能打开摄像头和麦克风，只能观看。");
  }

  function setUpPeer(iceServers) {
    closePeer();
    const pc = new RTCPeerConnection({ iceServers: iceServers });
    state.pc = pc;
    state.pending = [];
    // Tracks are added before the hub's offer arrives: the offer's
    // receive-only sections take them, and the answer sends them.
    if (state.local) for (const t of state.local.getTracks()) pc.addTrack(t, state.local);
    pc.onicecandidate = (ev) => {
      if (!ev.candidate || !ev.candidate.candidate) return;
      const c = ev.candidate.toJSON();
      send("rtc.candidate", { room: state.room, candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
    };
    pc.ontrack = (ev) => {
      const stream = ev.streams[0];
      if (!stream) return;
      const t = tileFor(stream.id);
      if (t.video.srcObject !== stream) {
        t.video.srcObject = stream;
        // A browser may refuse to play sound before the person has
        // touched the page: then the first click starts every picture.
        t.video.play().catch(() => status("点击页面任意处开始播放"));
      }
      ev.track.onended = () => relabel(false);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed") fail("媒体连接失败：请检查网络（UDP）是否允许连接值班中心。");
    };
    $("mic").disabled = $("cam").disabled = $("leave").disabled = false;
  }

  async function answer(sdp) {
    const pc = state.pc;
    if (!pc) return;
    await pc.setRemoteDescription({ type: "offer", sdp: sdp });
    for (const c of state.pending.splice(0)) await pc.addIceCandidate(c);
    const a = await pc.createAnswer();
    await pc.setLocalDescription(a);
    send("rtc.answer", { room: state.room, sdp: pc.localDescription.sdp });
  }

  function closePeer() {
    if (state.pc) { state.pc.close(); state.pc = null; }
    for (const [id, t] of state.tiles) if (id !== "self") { t.tile.remove(); state.tiles.delete(id); }
  }

  function tileFor(id) {
    let t = state.tiles.get(id);
    if (t) return t;
    const tile = document.createElement("div");
    tile.className = "tile" + (id === "self" ? " self" : "");
    tile.dataset.participant = id;
    const video = document.createElement("video");
    video.autoplay = true; video.playsInline = true;
    if (id === "self") video.muted = true;
    const label = document.createElement("div");
    label.className = "name";
    tile.append(video, label);
    grid.append(tile);
    t = { tile: tile, video: video, label: label };
    state.tiles.set(id, t);
    video.addEventListener("loadeddata", () => { if (!state.firstFrameAt && id !== "self") state.firstFrameAt = performance.now(); });
    relabel();
    return t;
  }

  function showSelf() {
    if (!state.local || !state.local.getVideoTracks().length) return;
    const t = tileFor("self");
    t.video.srcObject = state.local;
  }

  // relabel names every tile after its station; prune drops the tiles of
  // participants the room no longer lists (only on the hub's word, not
  // while a new track waits for the list that names it).
  function relabel(prune) {
    for (const [id, t] of state.tiles) {
      if (id === "self") { t.label.textContent = (state.stations[state.station] || "本方") + "（我）"; continue; }
      const p = state.participants.find((x) => x.id === id);
      if (!p) {
        if (prune) { t.tile.remove(); state.tiles.delete(id); } else t.label.textContent = "…";
        continue;
      }
      t.label.textContent = (state.stations[p.station] || p.station) + " · " + p.user;
    }
  }

  document.addEventListener("click", () => {
    for (const t of state.tiles.values()) if (t.video.paused) t.video.play().catch(() => {});
  });

  $("mic").onclick = () => {
    if (!state.local) return;
    for (const t of state.local.getAudioTracks()) t.enabled = !t.enabled;
    const on = state.local.getAudioTracks().some((t) => t.enabled);
    $("mic").textContent = on ? "静音" : "取消静音";
  };
  $("cam").onclick = () => {
    if (!state.local) return;
    for (const t of state.local.getVideoTracks()) t.enabled = !t.enabled;
    const on = state.local.getVideoTracks().some((t) => t.enabled);
    $("cam").textContent = on ? "关闭摄像头" : "打开摄像头";
  };
  $("leave").onclick = () => {
    state.left = true;
    send("room.leave", { room: state.room });
    sessionStorage.removeItem(KEY);
    closePeer();
    if (state.local) for (const t of state.local.getTracks()) t.stop();
    if (state.ws) state.ws.close();
    status("已离开会商");
    $("mic").disabled = $("cam").disabled = $("leave").disabled = true;
  };

  // What the page received, for a person checking the set-up and for the
  // hub's tests: per remote participant, frames decoded and the mean
  // colour of eight vertical bands of the upper part of the picture.
  window.dutyroomStats = async function () {
    const out = { room: state.room, you: state.you, errors: state.errors.slice(), participants: [], remote: [], recording: !$("rec").hidden,
      joinMs: state.firstFrameAt && state.joinedAt ? Math.round(state.firstFrameAt - state.joinedAt) : 0 };
    out.participants = state.participants.map((p) => ({ id: p.id, station: p.station, name: state.stations[p.station] || "", user: p.user }));
    const inbound = new Map();
    if (state.pc) {
      const report = await state.pc.getStats();
      report.forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") inbound.set(s.trackIdentifier, s); });
    }
    for (const [id, t] of state.tiles) {
      if (id === "self") continue;
      const r = { id: id, label: t.label.textContent, width: t.video.videoWidth, height: t.video.videoHeight, framesDecoded: 0, bands: [] };
      const stream = t.video.srcObject;
      if (stream) for (const tr of stream.getVideoTracks()) {
        const s = inbound.get(tr.id);
        if (s) r.framesDecoded += s.framesDecoded || 0;
      }
      if (r.width && r.height) {
        const c = document.createElement("canvas");
        c.width = r.width; c.height = r.height;
        const g = c.getContext("2d", { willReadFrequently: true });
        g.drawImage(t.video, 0, 0);
        const h = Math.floor(r.height * 0.5), bw = Math.floor(r.width / 8);
        for (let i = 0; i < 8; i++) {
          // The middle of each band, away from the edges codecs blur.
          const x0 = i * bw + Math.floor(bw / 4), w = Math.floor(bw / 2);
          const px = g.getImageData(x0, Math.floor(h / 4), w, Math.floor(h / 2)).data;
          let sr = 0, sg = 0, sb = 0, n = 0;
          for (let k = 0; k < px.length; k += 4) { sr += px[k]; sg += px[k + 1]; sb += px[k + 2]; n++; }
          r.bands.push([Math.round(sr / n), Math.round(sg / n), Math.round(sb / n)]);
        }
      }
      out.remote.push(r);
    }
    return out;
  };

  connect();
})();
