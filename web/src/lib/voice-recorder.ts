/**
 * Records a voice note from the microphone with MediaRecorder (Opus in WebM or Ogg where supported, else the
 * browser's default) and says how long it lasted.
 */

/** A voice note stops by itself after this long. */
export const MAX_VOICE_NOTE_MS = 10 * 60 * 1000

const TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4']

export interface Recording {
  file: File
  durationMs: number
}

/** One recording in progress. `stop()` resolves with the file; `cancel()` throws it away. */
export class VoiceRecorder {
  readonly #stream: MediaStream
  readonly #recorder: MediaRecorder
  readonly #chunks: Blob[] = []
  readonly #started = performance.now()
  readonly #done: Promise<Recording>
  readonly #limit: ReturnType<typeof setTimeout>

  private constructor (stream: MediaStream) {
    this.#stream = stream
    const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t))
    this.#recorder = new MediaRecorder(stream, mimeType !== undefined ? { mimeType } : {})
    this.#recorder.addEventListener('dataavailable', (e) => { if (e.data.size > 0) this.#chunks.push(e.data) })
    this.#done = new Promise((resolve, reject) => {
      this.#recorder.addEventListener('stop', () => {
        const durationMs = performance.now() - this.#started
        const type = this.#recorder.mimeType !== '' ? this.#recorder.mimeType : 'audio/webm'
        const ext = type.includes('ogg') ? 'ogg' : type.includes('mp4') ? 'm4a' : 'webm'
        const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')
        resolve({ file: new File(this.#chunks, `voice-note-${stamp}.${ext}`, { type }), durationMs })
      }, { once: true })
      this.#recorder.addEventListener('error', () => { reject(new Error('recording failed')) }, { once: true })
    })
    this.#done.catch(() => {})
    this.#recorder.start(250)
    this.#limit = setTimeout(() => { void this.stop() }, MAX_VOICE_NOTE_MS)
  }

  /** Asks for the microphone and starts recording (throws when it is denied or absent). */
  static async start (): Promise<VoiceRecorder> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
    return new VoiceRecorder(stream)
  }

  /** Milliseconds recorded so far. */
  elapsed (): number { return performance.now() - this.#started }

  async stop (): Promise<Recording> {
    clearTimeout(this.#limit)
    if (this.#recorder.state !== 'inactive') this.#recorder.stop()
    for (const track of this.#stream.getTracks()) track.stop()
    return await this.#done
  }

  cancel (): void {
    clearTimeout(this.#limit)
    if (this.#recorder.state !== 'inactive') this.#recorder.stop()
    for (const track of this.#stream.getTracks()) track.stop()
  }
}
