/**
 * The checks of one `pos_data` element that need nothing but the element: pure, so that they can
 * run beside the store (in the check worker) as well as inline.
 */
import type { PosElement } from './pos-data-reader.js';
import { rawProblems } from './raw-checks.js';
import type { CheckedRequest } from './requests.js';
import { validateRequest } from './validate-request.js';

/** An element as the store side needs it: where it stood, its text, and what the checks found. */
export interface CheckedElement {
  index: number;
  /** The element exactly as written (answered in the error log and the retry file when refused). */
  text: string;
  checked: CheckedRequest;
}

/** Validates `element`; what its text shows replaces what its rounded value looked like. */
export function checkElement(element: PosElement): CheckedElement {
  const checked = validateRequest(element.value, element.text);
  const hidden = rawProblems(element, checked.unknownFields);
  if (hidden.length > 0) {
    checked.problems = [...checked.problems.filter((problem) => !hidden.some((raw) => raw.field === problem.field)), ...hidden];
    delete checked.request;
  }
  return { index: element.index, text: element.text, checked };
}
