/** The screens of the unlocked app, in navigation order. */
export const SCREENS = ['dashboard', 'people', 'review', 'activity', 'settings'] as const;

/** One of the screens. */
export type Screen = (typeof SCREENS)[number];

/** Goes to a screen; People may open on the person a record belongs to. */
export type Navigate = (screen: Screen, options?: { personRecord?: string | undefined }) => void;
