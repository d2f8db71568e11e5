/** Luhn (mod 10) arithmetic for card numbers: the generator makes valid ones, the API rejects typos. */

function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum;
}

/** The check digit that makes `partial + digit` pass the Luhn check. */
export function luhnCheckDigit(partial: string): number {
  return (10 - (luhnSum(partial, true) % 10)) % 10;
}

/** True for a 12–19 digit string that passes the Luhn check. */
export function isValidCardNumber(value: string): boolean {
  return /^\d{12,19}$/.test(value) && luhnSum(value, false) % 10 === 0;
}
