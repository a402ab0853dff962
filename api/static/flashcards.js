// The flashcards under the Practice view: one card at a time, flipped with a click, Space or
// Enter, moved with the arrow keys or the buttons.

import { flashcards } from "./api.js";

const $ = (id) => document.getElementById(id);

const state = { cards: [], card: 0, flipped: false, loadedFor: undefined };

// The cards with this job's numbers (the plain ones if the job's cannot be had), once per job.
export async function loadCards(jobId) {
  if (state.loadedFor === jobId) return;
  state.loadedFor = jobId;
  try {
    state.cards = (await flashcards(jobId)).cards;
  } catch {
    state.cards = (await flashcards().catch(() => ({ cards: [] }))).cards;
  }
  state.card = 0;
  state.flipped = false;
  showCard();
}

function showCard() {
  const card = state.cards[state.card];
  const box = $("flashcard");
  if (!card) return;
  box.dataset.side = state.flipped ? "back" : "front";
  box.dataset.index = state.card;
  $("flashcard-side").textContent = state.flipped ? "Back" : "Front";
  $("flashcard-text").textContent = state.flipped ? card.back : card.front;
  $("flashcard-count").textContent = `Card ${state.card + 1} of ${state.cards.length}`;
}

function flip() {
  state.flipped = !state.flipped;
  showCard();
}

function move(by) {
  if (!state.cards.length) return;
  state.card = (state.card + by + state.cards.length) % state.cards.length;
  state.flipped = false;
  showCard();
}

$("flashcard")?.addEventListener("click", flip);
$("flashcard-flip")?.addEventListener("click", flip);
$("flashcard-next")?.addEventListener("click", () => move(1));
$("flashcard-prev")?.addEventListener("click", () => move(-1));
$("flashcards")?.addEventListener("keydown", (event) => {
  if (event.target.closest("button")) return; // the buttons handle Enter and Space themselves
  const keys = { " ": flip, Enter: flip, ArrowRight: () => move(1), ArrowLeft: () => move(-1) };
  if (!(event.key in keys)) return;
  event.preventDefault();
  keys[event.key]();
});
