/**
 * An input file (labels, a baseline, an evaluation report) whose shape is wrong as a whole: no usable
 * CSV header, no profile or record in a baseline. Messages name the problem, never a value.
 */
export class InputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputFileError';
  }
}
