import { expect } from 'chai';
import { addWorkingTime, type BusinessCalendar } from '../../src/policy/business-hours';

const H = 3_600_000;
const berlin: BusinessCalendar = {
  timeZone: 'Europe/Berlin',
  days: [1, 2, 3, 4, 5],
  hours: { start: '09:00', end: '17:00' },
  holidays: ['2026-12-25', '2026-12-28'],
};
const at = (iso: string, ms: number, cal = berlin) => addWorkingTime(new Date(iso), ms, cal).toISOString();

describe('business hours: working time after an instant', () => {
  it('counts inside one working day', () => {
    // Monday 10:00 Berlin (09:00 UTC in winter) + 4h = 14:00 Berlin.
    expect(at('2026-12-07T09:00:00.000Z', 4 * H)).to.equal('2026-12-07T13:00:00.000Z');
  });

  it('starts at opening time when asked before it, and carries over to the next day', () => {
    // Monday 06:00 Berlin: counting starts 09:00; 10h = 8h Monday + 2h Tuesday (till 11:00).
    expect(at('2026-12-07T05:00:00.000Z', 10 * H)).to.equal('2026-12-08T10:00:00.000Z');
  });

  it('skips the weekend', () => {
    // Friday 15:00 Berlin + 4h: 2h Friday, 2h Monday → Monday 11:00 Berlin.
    expect(at('2026-12-11T14:00:00.000Z', 4 * H)).to.equal('2026-12-14T10:00:00.000Z');
  });

  it('skips holidays and the weekend between them', () => {
    // Thursday 24 Dec 16:00 + 2h: 1h Thursday; 25th holiday, weekend, 28th holiday; 1h Tuesday 29th.
    expect(at('2026-12-24T15:00:00.000Z', 2 * H)).to.equal('2026-12-29T09:00:00.000Z');
  });

  it('follows daylight saving: the same local hour maps to a different UTC hour after the change', () => {
    // Friday 27 March 2026 16:00 CET (15:00 UTC) + 2h: 1h Friday, 1h Monday 30 March (CEST, UTC+2)
    // → 10:00 CEST = 08:00 UTC.
    expect(at('2026-03-27T15:00:00.000Z', 2 * H)).to.equal('2026-03-30T08:00:00.000Z');
    // And back in October: Friday 23 Oct 16:00 CEST (14:00 UTC) + 2h → Monday 26 Oct 10:00 CET = 09:00 UTC.
    expect(at('2026-10-23T14:00:00.000Z', 2 * H)).to.equal('2026-10-26T09:00:00.000Z');
  });

  it('works in a time zone west of UTC and in a calendar with weekend working days', () => {
    const ny: BusinessCalendar = {
      timeZone: 'America/New_York',
      days: [6, 7],
      hours: { start: '08:00', end: '12:00' },
      holidays: [],
    };
    // Friday 2026-12-11 20:00 UTC (15:00 New York): next working time is Saturday 08:00 EST (13:00 UTC).
    expect(at('2026-12-11T20:00:00.000Z', 5 * H, ny)).to.equal('2026-12-13T14:00:00.000Z');
  });

  it('refuses a calendar without any working day', () => {
    expect(() => addWorkingTime(new Date('2026-12-07T09:00:00Z'), H, { ...berlin, days: [] })).to.throw(
      'no working hours',
    );
  });
});
