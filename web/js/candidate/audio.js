// The candidate's sound: the microphone through the capture worklet, and the questions' speech
// (PCM16 from the relay) played in order on the same AudioContext.

/** The microphone as 100 ms frames of 16 kHz PCM16; `onframe(pcm, level)` receives each one. */
export class Microphone {
  static async open(context) {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    await context.audioWorklet.addModule("/js/candidate/capture-worklet.js");
    return new Microphone(context, stream);
  }

  constructor(context, stream) {
    this.stream = stream;
    this.onframe = () => {};
    this.source = context.createMediaStreamSource(stream);
    this.node = new AudioWorkletNode(context, "capture", { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1 });
    this.silent = context.createGain(); // the graph only pulls nodes that lead to the speakers
    this.silent.gain.value = 0;
    this.node.port.onmessage = ({ data }) => this.onframe(data.pcm, data.level);
    this.source.connect(this.node).connect(this.silent).connect(context.destination);
  }

  close() {
    this.node.port.onmessage = null;
    this.source.disconnect();
    this.node.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
  }
}

/** Plays a question's speech as its chunks arrive, and again on request. */
export class Player {
  constructor(context) {
    this.context = context;
    this.buffers = [];
    this.sources = [];
    this.endsAt = 0;
    this.rate = 24000;
  }

  begin(sampleRate) {
    this.stop();
    this.buffers = [];
    this.rate = sampleRate;
  }

  push(data) {
    const pcm = new Int16Array(data);
    if (!pcm.length) return;
    const buffer = this.context.createBuffer(1, pcm.length, this.rate);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) channel[i] = pcm[i] / 32768;
    this.buffers.push(buffer);
    this.play(buffer);
  }

  play(buffer) {
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    this.endsAt = Math.max(this.endsAt, this.context.currentTime + 0.05);
    source.start(this.endsAt);
    this.endsAt += buffer.duration;
    this.sources.push(source);
    source.onended = () => (this.sources = this.sources.filter((s) => s !== source));
  }

  /** Resolves when everything pushed so far has been heard. */
  finished() {
    const left = Math.max(0, this.endsAt - this.context.currentTime);
    return new Promise((resolve) => setTimeout(resolve, left * 1000));
  }

  replay() {
    this.stop();
    for (const buffer of this.buffers) this.play(buffer);
    return this.finished();
  }

  stop() {
    for (const source of this.sources) source.stop();
    this.sources = [];
    this.endsAt = this.context.currentTime;
  }
}
