// On the audio thread: the microphone, resampled to 16 kHz mono PCM16, posted as 100 ms frames
// (the relay's cost is per frame, so fewer, larger frames), each with its loudness for the meter.

const TARGET_RATE = 16000;
const FRAME_SAMPLES = 1600;

class Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / TARGET_RATE; // input samples per output sample (3 at 48 kHz)
    this.phase = 0;
    this.sum = 0;
    this.count = 0;
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
    this.energy = 0;
  }

  process(inputs, outputs) {
    const samples = inputs[0]?.[0];
    if (samples) {
      for (const sample of samples) {
        // Averaging the input samples that fall on one output sample is a box low-pass filter:
        // enough against aliasing for speech recognition, and cheap on the audio thread.
        this.sum += sample;
        this.count += 1;
        this.phase += 1;
        if (this.phase >= this.step) {
          this.phase -= this.step;
          this.emit(this.sum / this.count);
          this.sum = 0;
          this.count = 0;
        }
      }
    }
    for (const channel of outputs[0] ?? []) channel.fill(0);
    return true;
  }

  emit(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    this.frame[this.filled++] = Math.round(clamped * 32767);
    this.energy += clamped * clamped;
    if (this.filled === FRAME_SAMPLES) {
      const level = Math.sqrt(this.energy / FRAME_SAMPLES);
      this.port.postMessage({ pcm: this.frame.buffer, level }, [this.frame.buffer]);
      this.frame = new Int16Array(FRAME_SAMPLES);
      this.filled = 0;
      this.energy = 0;
    }
  }
}

registerProcessor("capture", Capture);
